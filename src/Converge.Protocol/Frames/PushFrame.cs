namespace Converge.Protocol.Frames;

/// <summary>Client → server: local changes to a subscribed document, in client-sequence order.</summary>
/// <param name="DocumentId">The document.</param>
/// <param name="Changes">One or more changes (several when the client batches).</param>
public sealed record PushFrame(string DocumentId, IReadOnlyList<ClientChange> Changes) : Frame
{
    internal override string? Validate() => FrameRules.DocumentId(DocumentId) ?? FrameRules.List(Changes, "changes", static c => c.Validate());
}
