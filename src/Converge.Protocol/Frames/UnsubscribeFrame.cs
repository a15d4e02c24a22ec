namespace Converge.Protocol.Frames;

/// <summary>Client → server: stop sending this document's changes.</summary>
/// <param name="DocumentId">The document.</param>
public sealed record UnsubscribeFrame(string DocumentId) : Frame
{
    internal override string? Validate() => FrameRules.DocumentId(DocumentId);
}
