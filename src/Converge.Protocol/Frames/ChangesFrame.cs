namespace Converge.Protocol.Frames;

/// <summary>Server → client: accepted changes by other clients (or a replay), in ascending sequence order.</summary>
/// <param name="DocumentId">The document.</param>
/// <param name="Changes">One or more changes, ascending and contiguous within the frame.</param>
public sealed record ChangesFrame(string DocumentId, IReadOnlyList<ServerChange> Changes) : Frame
{
    internal override string? Validate() => FrameRules.DocumentId(DocumentId) ?? FrameRules.List(Changes, "changes", static c => c.Validate());
}
