using System.Text.Json;
using System.Text.Json.Nodes;

namespace Converge.Model.Documents;

/// <summary>
/// How a set lives in a <see cref="JsonMap"/>: a JSON object from element to its array of live tags, so snapshots,
/// stores and every JSON reader carry sets without a new value kind. Elements without tags are left out.
/// </summary>
internal static class TaggedSetJson
{
    public static JsonElement Add(JsonElement? current, string element, string tag)
    {
        var set = Parse(current);
        if (set[element] is JsonArray tags)
        {
            if (!tags.Any(t => t?.GetValueKind() == JsonValueKind.String && t.GetValue<string>() == tag))
            {
                tags.Add((JsonNode?)JsonValue.Create(tag));
            }
        }
        else
        {
            set[element] = new JsonArray(JsonValue.Create(tag));
        }

        return JsonSerializer.SerializeToElement(set, JsonNodeContext.Default.JsonObject);
    }

    public static JsonElement? Remove(JsonElement? current, string element, IReadOnlyList<string> observed)
    {
        var set = Parse(current);
        if (set[element] is not JsonArray tags)
        {
            return current;
        }

        var remaining = tags.Where(t => t?.GetValueKind() == JsonValueKind.String && !observed.Contains(t.GetValue<string>())).Select(static t => t!.DeepClone()).ToArray();
        if (remaining.Length == 0)
        {
            set.Remove(element);
        }
        else
        {
            set[element] = new JsonArray(remaining);
        }

        return JsonSerializer.SerializeToElement(set, JsonNodeContext.Default.JsonObject);
    }

    public static IReadOnlyList<string> Elements(JsonElement value) =>
        value.ValueKind != JsonValueKind.Object
            ? []
            : value.EnumerateObject().Where(static p => Tags(p.Value).Length > 0).Select(static p => p.Name).Order(StringComparer.Ordinal).ToArray();

    public static IReadOnlyList<string> Tags(JsonElement value, string element) =>
        value.ValueKind == JsonValueKind.Object && value.TryGetProperty(element, out var tags) ? Tags(tags) : [];

    private static string[] Tags(JsonElement tags) =>
        tags.ValueKind != JsonValueKind.Array
            ? []
            : tags.EnumerateArray().Where(static t => t.ValueKind == JsonValueKind.String).Select(static t => t.GetString()!).ToArray();

    // Anything that is not a set (absent, or another kind of value written there) reads as the empty set.
    private static JsonObject Parse(JsonElement? current) =>
        current is { ValueKind: JsonValueKind.Object } value ? JsonObject.Create(value.Clone())! : [];
}
