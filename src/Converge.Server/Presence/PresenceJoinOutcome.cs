namespace Converge.Server.Presence;

/// <summary>How a room took a join.</summary>
internal enum PresenceJoinOutcome
{
    /// <summary>A new connection (and, on the user's first, a new user).</summary>
    Joined,

    /// <summary>A known connection identity came back (a reconnect, or a repeated join): its entry carries on, no leave or join.</summary>
    Resumed,

    /// <summary>The user id belongs to an entry of the other kind (authenticated vs anonymous client id): refused.</summary>
    IdentityTaken,

    /// <summary>The room emptied and closed in the meantime; join a new one.</summary>
    Retired,
}
