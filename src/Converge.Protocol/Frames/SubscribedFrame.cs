namespace Converge.Protocol.Frames;

/// <summary>
/// Server → client: the snapshot or replay for a subscription is complete; the client is caught up to
/// <paramref name="Sequence"/> and live changes follow. Before this frame a document is still loading.
/// </summary>
/// <param name="DocumentId">The document.</param>
/// <param name="Sequence">The document's head sequence when the subscription went live.</param>
public sealed record SubscribedFrame(string DocumentId, long Sequence) : Frame
{
    internal override string? Validate() => FrameRules.DocumentId(DocumentId) ?? FrameRules.NonNegative(Sequence, "sequence");
}
