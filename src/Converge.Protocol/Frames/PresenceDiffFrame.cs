namespace Converge.Protocol.Frames;

/// <summary>
/// Server → client: what changed in a document's presence since the last presence frame of this session, batched
/// over the server's batch interval and coalesced, latest wins: each changed user appears once, whole.
/// </summary>
/// <param name="DocumentId">The document.</param>
/// <param name="Changed">Users who joined or changed (metadata, a connection joined or left, a cursor, typing), each complete.</param>
/// <param name="Left">Users who left: their last connection went.</param>
/// <param name="UserCount">How many users are present after this diff.</param>
/// <param name="ConnectionCount">How many connections they have between them.</param>
public sealed record PresenceDiffFrame(string DocumentId, IReadOnlyList<PresenceUserState> Changed, IReadOnlyList<string> Left, int UserCount, int ConnectionCount) : Frame
{
    internal override string? Validate() =>
        FrameRules.DocumentId(DocumentId)
        ?? PresenceRules.Users(Changed, allowEmpty: true)
        ?? PresenceRules.Left(Left, Changed)
        ?? PresenceRules.Counts(UserCount, ConnectionCount, Changed)
        ?? (Changed.Count == 0 && Left.Count == 0 ? "a presenceDiff changes something." : null);
}
