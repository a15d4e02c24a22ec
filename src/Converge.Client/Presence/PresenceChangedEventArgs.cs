namespace Converge.Client.Presence;

/// <summary>
/// One change of a document's presence as this client sees it: who joined (their first connection), who left (their
/// last connection went), who changed, and the whole new state. When <see cref="PresenceState.IsAggregated"/> flips,
/// the lists are empty: read <see cref="State"/> afresh.
/// </summary>
public sealed class PresenceChangedEventArgs : EventArgs
{
    internal PresenceChangedEventArgs(IReadOnlyList<PresenceUser> joined, IReadOnlyList<PresenceUser> left, IReadOnlyList<PresenceUser> updated, PresenceState state)
    {
        Joined = joined;
        Left = left;
        Updated = updated;
        State = state;
    }

    /// <summary>Users who were not present before (as they are now).</summary>
    public IReadOnlyList<PresenceUser> Joined { get; }

    /// <summary>Users who are gone (as they were last seen).</summary>
    public IReadOnlyList<PresenceUser> Left { get; }

    /// <summary>Users still present whose metadata, connections, cursors or typing changed (as they are now).</summary>
    public IReadOnlyList<PresenceUser> Updated { get; }

    /// <summary>The whole presence after this change.</summary>
    public PresenceState State { get; }
}
