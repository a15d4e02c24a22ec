namespace Converge.Protocol.Frames;

/// <summary>
/// Client → server: the goodbye. This connection leaves the document's presence at once; when it was the user's last
/// connection, everyone sees the user leave. A connection that ends without it is kept until the presence timeout.
/// </summary>
/// <param name="DocumentId">The document.</param>
public sealed record PresenceLeaveFrame(string DocumentId) : Frame
{
    internal override string? Validate() => FrameRules.DocumentId(DocumentId);
}
