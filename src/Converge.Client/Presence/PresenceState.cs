namespace Converge.Client.Presence;

/// <summary>Who is present in a document, as this client last heard. Immutable.</summary>
public sealed class PresenceState
{
    internal static readonly PresenceState Empty = new([], 0, 0, isAggregated: false);

    internal PresenceState(IReadOnlyList<PresenceUser> users, int userCount, int connectionCount, bool isAggregated)
    {
        Users = users;
        UserCount = userCount;
        ConnectionCount = connectionCount;
        IsAggregated = isAggregated;
    }

    /// <summary>Every present user (this client's own included), ordered by user id; empty when <see cref="IsAggregated"/>.</summary>
    public IReadOnlyList<PresenceUser> Users { get; }

    /// <summary>How many users are present.</summary>
    public int UserCount { get; }

    /// <summary>How many connections they have between them.</summary>
    public int ConnectionCount { get; }

    /// <summary>
    /// The room is larger than the server lists (its <c>MaxListedUsers</c>): only the counts are known, and no
    /// per-user changes are reported until it shrinks again.
    /// </summary>
    public bool IsAggregated { get; }

    /// <summary>The user with this id, or <see langword="null"/>.</summary>
    /// <param name="userId">The user id.</param>
    public PresenceUser? Find(string userId) => Users.FirstOrDefault(u => string.Equals(u.UserId, userId, StringComparison.Ordinal));
}
