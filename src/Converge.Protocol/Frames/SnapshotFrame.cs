using Converge.Model.Documents;

namespace Converge.Protocol.Frames;

/// <summary>
/// Server → client: the whole document as of <paramref name="Sequence"/>, as the operations that rebuild it from
/// empty. It replaces the client's confirmed state; pending local changes are re-applied on top.
/// </summary>
/// <param name="DocumentId">The document.</param>
/// <param name="Sequence">The server sequence this state includes.</param>
/// <param name="Operations">Operations that rebuild the state from the empty document.</param>
public sealed record SnapshotFrame(string DocumentId, long Sequence, IReadOnlyList<DocumentOperation> Operations) : Frame
{
    internal override string? Validate() =>
        FrameRules.DocumentId(DocumentId) ?? FrameRules.NonNegative(Sequence, "sequence") ?? FrameRules.Operations(Operations, allowEmpty: true);
}
