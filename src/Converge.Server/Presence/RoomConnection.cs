using System.Text.Json;
using Converge.Protocol.Frames;

namespace Converge.Server.Presence;

/// <summary>One connection of a present user, as a room holds it. Touched only under the room's lock.</summary>
internal sealed class RoomConnection(string connectionId)
{
    public string ConnectionId { get; } = connectionId;

    /// <summary>The member whose session carries it; null once that session ended without a goodbye.</summary>
    public IPresenceRecipient? Owner { get; set; }

    /// <summary>When a detached connection stops being present (room clock).</summary>
    public TimeSpan ExpiresAt { get; set; }

    public JsonElement Metadata { get; set; }

    /// <summary>The room version at which <see cref="Metadata"/> was set: the user's metadata is the newest of their connections'.</summary>
    public long MetadataVersion { get; set; }

    public PresenceCursor? Cursor { get; set; }

    public bool Typing { get; set; }

    /// <summary>When <see cref="Typing"/> lapses unless it is said again (room clock).</summary>
    public TimeSpan TypingUntil { get; set; }

    public PresenceConnectionState State() => new(ConnectionId, Cursor, Typing);
}
