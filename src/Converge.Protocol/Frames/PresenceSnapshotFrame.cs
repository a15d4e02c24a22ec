namespace Converge.Protocol.Frames;

/// <summary>
/// Server → client: everyone present in a document, replacing what the client knew. Sent in answer to a join, and
/// whenever the room crosses the server's list limit (then <paramref name="Aggregated"/> says only the counts follow).
/// </summary>
/// <param name="DocumentId">The document.</param>
/// <param name="Users">Every present user with their connections; empty when <paramref name="Aggregated"/>.</param>
/// <param name="UserCount">How many users are present.</param>
/// <param name="ConnectionCount">How many connections they have between them.</param>
/// <param name="Aggregated">The room is too large to list: only the counts are sent, and later changes arrive as new
/// aggregated snapshots instead of diffs.</param>
public sealed record PresenceSnapshotFrame(string DocumentId, IReadOnlyList<PresenceUserState> Users, int UserCount, int ConnectionCount, bool Aggregated = false) : Frame
{
    internal override string? Validate() =>
        FrameRules.DocumentId(DocumentId)
        ?? PresenceRules.Users(Users, allowEmpty: true)
        ?? PresenceRules.Counts(UserCount, ConnectionCount, Users)
        ?? (Aggregated && Users.Count > 0 ? "an aggregated presenceSnapshot lists no users." : null)
        ?? (!Aggregated && Users.Count != UserCount ? "a presenceSnapshot lists every user unless it is aggregated." : null);
}
