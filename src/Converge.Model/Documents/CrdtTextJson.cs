using System.Text.Json;
using Converge.Model.Encoding;
using Converge.Model.Text;

namespace Converge.Model.Documents;

/// <summary>
/// How a CRDT text lives in a <see cref="JsonMap"/>: <c>{"crdt": "&lt;base64 state&gt;", "text": "…"}</c> — the
/// <see cref="CrdtText"/> state (<see cref="CrdtText.Encode()"/>) and its text, so any JSON reader sees the text.
/// </summary>
internal static class CrdtTextJson
{
    public static bool IsCrdt(JsonElement? value) =>
        value is { ValueKind: JsonValueKind.Object } obj && obj.TryGetProperty("crdt", out var state) && state.ValueKind == JsonValueKind.String;

    /// <summary>The text as a replica to edit, named <paramref name="replica"/>; empty when absent or not a CRDT text.</summary>
    public static CrdtText Load(JsonElement? value, string replica)
    {
        if (IsCrdt(value))
        {
            try
            {
                return CrdtText.Decode(value!.Value.GetProperty("crdt").GetBytesFromBase64(), replica);
            }
            catch (Exception ex) when (ex is ModelEncodingException or FormatException)
            {
                // A value that only looks like a CRDT text (someone set it by hand) reads as empty, everywhere alike.
            }
        }

        return new CrdtText(replica);
    }

    /// <summary>
    /// The value after <paramref name="edit"/>, or <see langword="null"/> when the key holds an OT text (which a CRDT
    /// edit does not fit: skipped alike everywhere). Anything else at the key is replaced by a new CRDT text.
    /// </summary>
    public static JsonElement? Apply(JsonElement? current, EditCrdtText edit)
    {
        if (current is { ValueKind: JsonValueKind.Object } obj && !IsCrdt(current) && obj.TryGetProperty("rev", out _))
        {
            return null;
        }

        var operations = edit.Operations;
        var text = Load(current, operations[0].Replica);
        foreach (var operation in operations)
        {
            try
            {
                text.Integrate(operation);
            }
            catch (ArgumentException)
            {
                // An operation that contradicts what is known of its author is dropped, on every replica alike.
            }
        }

        return JsonSerializer.SerializeToElement(new CrdtTextValue(Convert.ToBase64String(text.Encode()), text.ToString()), JsonNodeContext.Default.CrdtTextValue);
    }
}
