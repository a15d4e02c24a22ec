using Converge.Model.Ot;

namespace Converge.Model.Documents;

/// <summary>
/// Edits the collaborative text at <see cref="Key"/> with an OT <see cref="TextDelta"/> made against text revision
/// <see cref="Revision"/>. The server transforms a delta made against an older revision over every edit since
/// (history wins ties) and stores it against the revision it then applies to, so every replica applies the same
/// deltas in the same order. Applying checks the revision and the length: a delta that does not fit is skipped,
/// the same way on every replica.
/// </summary>
/// <param name="Key">The text's key; read it with <see cref="JsonMap.GetText"/>.</param>
/// <param name="Delta">The edit, in code points.</param>
/// <param name="Revision">The text revision (edits applied to this key so far) the delta applies to.</param>
/// <param name="After">
/// Set by a client that made this edit on top of its own earlier edit of the same text, still unacknowledged: that
/// edit's client sequence. The delta then applies to the text at <paramref name="Revision"/> with that edit applied,
/// and the server places it through the bridge it kept when it applied that edit, so a client never has to predict
/// how the server numbers its edits. <see langword="null"/> in the server's form.
/// </param>
/// <param name="Bridge">
/// Server-internal, kept in the log so that it survives a restart: the edits the server had applied that the author had
/// not seen (from the revision the author's edit was made at), each transformed past the author's edit, with their
/// revisions. An edit chained on this one (<paramref name="After"/>) made when the author had seen revision r starts
/// from the steps at r and later. <see langword="null"/> when there were none. Clients ignore it.
/// </param>
public sealed record EditText(string Key, TextDelta Delta, long Revision, long? After = null, IReadOnlyList<TextBridgeStep>? Bridge = null) : DocumentOperation
{
    /// <summary>
    /// Why <paramref name="operations"/> cannot be one change, or null: a change may edit each text at most once, since a
    /// second edit would be based on a revision the server never numbers.
    /// </summary>
    /// <param name="operations">A change's operations.</param>
    /// <returns>The problem, or <see langword="null"/>.</returns>
    public static string? CheckOnePerText(IEnumerable<DocumentOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var edit in operations.OfType<EditText>())
        {
            if (!keys.Add(edit.Key))
            {
                return $"A change may edit the text '{edit.Key}' only once; send further edits as further changes.";
            }
        }

        return null;
    }

    /// <inheritdoc/>
    public bool Equals(EditText? other) =>
        other is not null && Key == other.Key && Delta.Equals(other.Delta) && Revision == other.Revision && After == other.After
        && (Bridge is null ? other.Bridge is null : other.Bridge is not null && Bridge.SequenceEqual(other.Bridge));

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Key, Delta, Revision, After);

    /// <summary>The most code points one edit may insert.</summary>
    public const int MaxInsertedCodePoints = 1 << 20;

    /// <inheritdoc/>
    public override string? Validate()
    {
        if (base.Validate() is { } problem)
        {
            return problem;
        }

        if (Delta is null)
        {
            return $"The text edit of '{Key}' has no delta.";
        }

        if (Revision < 0)
        {
            return $"The text edit of '{Key}' has a negative revision.";
        }

        if (After is < 1)
        {
            return $"The text edit of '{Key}' follows client sequence {After}; client sequences start at 1.";
        }

        var inserted = Delta.Components.Where(static c => c.Kind == TextDeltaComponentKind.Insert).Sum(static c => (long)c.Length);
        return inserted > MaxInsertedCodePoints ? $"The text edit of '{Key}' inserts {inserted} code points; the limit is {MaxInsertedCodePoints}." : null;
    }
}
