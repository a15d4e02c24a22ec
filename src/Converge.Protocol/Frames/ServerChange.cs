using Converge.Model.Documents;

namespace Converge.Protocol.Frames;

/// <summary>A change the server accepted, at its place in the document's order.</summary>
/// <param name="Sequence">The document's server sequence for this change: gap-free, from 1.</param>
/// <param name="ClientId">The client that made it.</param>
/// <param name="ClientSeq">That client's sequence for it.</param>
/// <param name="Operations">What the change does, in order.</param>
public sealed record ServerChange(long Sequence, string ClientId, long ClientSeq, IReadOnlyList<DocumentOperation> Operations)
{
    internal string? Validate() =>
        FrameRules.Positive(Sequence, "sequence") ?? FrameRules.ClientId(ClientId) ?? FrameRules.Positive(ClientSeq, "clientSeq")
        ?? FrameRules.Operations(Operations, allowEmpty: false);
}
