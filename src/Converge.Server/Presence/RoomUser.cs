using Converge.Protocol.Frames;

namespace Converge.Server.Presence;

/// <summary>One present user of a room: one entry for all of the user's connections. Touched only under the room's lock.</summary>
internal sealed class RoomUser(string userId, bool authenticated)
{
    public string UserId { get; } = userId;

    /// <summary>Whether the id came from an authenticated principal (anonymous ids are client ids, which anyone can choose).</summary>
    public bool Authenticated { get; } = authenticated;

    /// <summary>In the order they joined.</summary>
    public List<RoomConnection> Connections { get; } = [];

    /// <summary>The room version of the user's last visible change: members that have seen less get the user in their next diff.</summary>
    public long Version { get; set; }

    public RoomConnection? Find(string connectionId) => Connections.Find(c => string.Equals(c.ConnectionId, connectionId, StringComparison.Ordinal));

    public PresenceUserState State() =>
        new(UserId, Connections.MaxBy(static c => c.MetadataVersion)!.Metadata, Connections.Select(static c => c.State()).ToArray());
}
