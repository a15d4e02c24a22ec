namespace Converge.Protocol.Frames;

/// <summary>
/// Client → server: start (or restart) receiving a document's changes after <paramref name="Since"/>.
/// The server answers with a snapshot or a replay, then <see cref="SubscribedFrame"/>, then live changes.
/// Subscribing again to a subscribed document replays from the new cursor (a replay request).
/// </summary>
/// <param name="DocumentId">The document.</param>
/// <param name="Since">The last server sequence the client has applied; 0 asks for a snapshot.</param>
public sealed record SubscribeFrame(string DocumentId, long Since = 0) : Frame
{
    internal override string? Validate() => FrameRules.DocumentId(DocumentId) ?? FrameRules.NonNegative(Since, "since");
}
