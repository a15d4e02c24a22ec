namespace Converge.Protocol.Frames;

/// <summary>
/// Server → client: the change (this client, <paramref name="ClientSeq"/>) is durable at <paramref name="Sequence"/>.
/// Sent to the pushing session in sequence order with the other changes it receives.
/// </summary>
/// <param name="DocumentId">The document.</param>
/// <param name="ClientSeq">The acknowledged change's client sequence.</param>
/// <param name="Sequence">The server sequence it was given.</param>
public sealed record AckFrame(string DocumentId, long ClientSeq, long Sequence) : Frame
{
    internal override string? Validate() =>
        FrameRules.DocumentId(DocumentId) ?? FrameRules.Positive(ClientSeq, "clientSeq") ?? FrameRules.Positive(Sequence, "sequence");
}
