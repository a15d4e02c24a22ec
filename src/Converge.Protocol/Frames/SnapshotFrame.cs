using Converge.Model.Documents;

namespace Converge.Protocol.Frames;

/// <summary>
/// Server → client: the whole document as of <paramref name="Sequence"/>, as the operations that rebuild it from
/// empty. It replaces the client's confirmed state; pending local changes are re-applied on top. A large snapshot
/// arrives in parts: each carries <paramref name="Offset"/> (operations sent before it) and <paramref name="Total"/>,
/// and the client applies nothing until it has all <paramref name="Total"/> operations (never partial state).
/// </summary>
/// <param name="DocumentId">The document.</param>
/// <param name="Sequence">The server sequence this state includes (the same in every part).</param>
/// <param name="Operations">Operations that rebuild the state from the empty document (this part's share).</param>
/// <param name="Offset">For a part: how many operations earlier parts carried; <see langword="null"/> for a whole snapshot.</param>
/// <param name="ClientSeq">The highest client sequence of the receiving client's own changes the state includes (null: none, or an
/// older server): the client stops showing those on top as pending, though their acknowledgements may still be on the way.</param>
/// <param name="Total">For a part: the operations in the whole snapshot; <see langword="null"/> for a whole snapshot.</param>
public sealed record SnapshotFrame(string DocumentId, long Sequence, IReadOnlyList<DocumentOperation> Operations, long? Offset = null, long? Total = null, long? ClientSeq = null) : Frame
{
    /// <summary>Whether this frame completes its snapshot (a whole snapshot, or the last part).</summary>
    public bool IsLast => Offset is null || Offset + Operations.Count == Total;

    internal override string? Validate() =>
        FrameRules.DocumentId(DocumentId) ?? FrameRules.NonNegative(Sequence, "sequence") ?? FrameRules.Operations(Operations, allowEmpty: true)
        ?? ((Offset is null) != (Total is null) ? "offset and total go together." : null)
        ?? (Offset is { } offset && (offset < 0 || offset + Operations.Count > Total) ? "offset + operations must be within total." : null);
}
