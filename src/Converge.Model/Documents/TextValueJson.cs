using System.Text.Json;

namespace Converge.Model.Documents;

/// <summary>
/// How a collaborative text lives in a <see cref="JsonMap"/>: <c>{"text": "…", "rev": n}</c>, where <c>rev</c> counts the
/// edits applied, so snapshots and every JSON reader carry it as plain JSON. Anything else at the key reads as empty
/// text at revision 0.
/// </summary>
internal static class TextValueJson
{
    public static (string Text, long Revision) Read(JsonElement? value)
    {
        if (value is { ValueKind: JsonValueKind.Object } obj
            && obj.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String
            && obj.TryGetProperty("rev", out var rev) && rev.TryGetInt64(out var revision))
        {
            return (text.GetString()!, revision);
        }

        if (CrdtTextJson.IsCrdt(value) && value!.Value.TryGetProperty("text", out var crdtText) && crdtText.ValueKind == JsonValueKind.String)
        {
            // A CRDT text reads the same; it has no OT revision, and an OT edit does not fit it (length and revision 0 aside, Apply refuses it below).
            return (crdtText.GetString()!, 0);
        }

        return (string.Empty, 0);
    }

    /// <summary>The value after <paramref name="edit"/>, or <see langword="null"/> when the edit does not fit (skipped alike everywhere).</summary>
    public static JsonElement? Apply(JsonElement? current, EditText edit)
    {
        var (text, revision) = Read(current);
        if (CrdtTextJson.IsCrdt(current) || edit.Revision != revision || edit.Delta.BaseLength != text.EnumerateRunes().Count())
        {
            return null;
        }

        return Create(edit.Delta.Apply(text), revision + 1);
    }

    public static JsonElement Create(string text, long revision) =>
        JsonSerializer.SerializeToElement(new TextValue(text, revision), JsonNodeContext.Default.TextValue);
}
