using Converge.Model.Encoding;
using Converge.Model.Text;

namespace Converge.Model.Documents;

/// <summary>
/// Edits the CRDT text at <see cref="Key"/> (<see cref="CrdtText"/>, YATA): <see cref="Update"/> holds text operations
/// encoded with <see cref="TextOperationCodec"/>, made by a replica named after the author's client id. Operations commute
/// and repeat harmlessly, so the server applies them as they come, a client re-applies its pending ones on any newer
/// state without transforming anything, and a snapshot never needs a bridge: the alternative to OT text
/// (<see cref="EditText"/>) for a field, chosen per field by the edits it gets. Read it with <see cref="JsonMap.GetText"/>.
/// </summary>
/// <param name="Key">The text's key.</param>
/// <param name="Update">The encoded operations (at most <see cref="MaxUpdateBytes"/>).</param>
public sealed record EditCrdtText(string Key, byte[] Update) : DocumentOperation
{
    /// <summary>The largest encoded update one operation may carry.</summary>
    public const int MaxUpdateBytes = 4 << 20;

    /// <summary>The update's operations.</summary>
    /// <exception cref="ModelEncodingException">The update is not a valid encoding.</exception>
    public IReadOnlyList<TextOperation> Operations => TextOperationCodec.Decode(Update);

    /// <inheritdoc/>
    public override string? Validate()
    {
        if (base.Validate() is { } problem)
        {
            return problem;
        }

        if (Update is null || Update.Length == 0)
        {
            return $"The CRDT text edit of '{Key}' has no update.";
        }

        if (Update.Length > MaxUpdateBytes)
        {
            return $"The CRDT text edit of '{Key}' is {Update.Length} bytes; the limit is {MaxUpdateBytes}.";
        }

        try
        {
            return TextOperationCodec.Decode(Update).Count == 0 ? $"The CRDT text edit of '{Key}' holds no operations." : null;
        }
        catch (ModelEncodingException ex)
        {
            return $"The CRDT text edit of '{Key}' is not a valid update: {ex.Message}";
        }
    }

    /// <inheritdoc/>
    public bool Equals(EditCrdtText? other) => other is not null && Key == other.Key && Update.AsSpan().SequenceEqual(other.Update);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Key, Update.Length);
}
