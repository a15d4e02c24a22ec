using Converge.Model.Documents;

namespace Converge.Protocol.Frames;

/// <summary>
/// Server → client: the change (this client, <paramref name="ClientSeq"/>) is durable at <paramref name="Sequence"/>.
/// Sent to the pushing session in sequence order with the other changes it receives.
/// </summary>
/// <param name="DocumentId">The document.</param>
/// <param name="ClientSeq">The acknowledged change's client sequence.</param>
/// <param name="Sequence">The server sequence it was given.</param>
/// <param name="Operations">
/// The operations as the server applied them, when it rewrote them (text edits transformed over concurrent edits);
/// <see langword="null"/> when they are exactly as pushed. The client applies these, not its own, at <paramref name="Sequence"/>.
/// </param>
public sealed record AckFrame(string DocumentId, long ClientSeq, long Sequence, IReadOnlyList<DocumentOperation>? Operations = null) : Frame
{
    internal override string? Validate() =>
        FrameRules.DocumentId(DocumentId) ?? FrameRules.Positive(ClientSeq, "clientSeq") ?? FrameRules.Positive(Sequence, "sequence")
        ?? (Operations is null ? null : FrameRules.Operations(Operations, allowEmpty: false));
}
