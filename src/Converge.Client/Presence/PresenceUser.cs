using System.Text.Json;
using Converge.Protocol.Frames;

namespace Converge.Client.Presence;

/// <summary>One present user: one entry however many connections (tabs, devices) they have, each listed beneath it.</summary>
public sealed class PresenceUser
{
    internal PresenceUser(PresenceUserState state, string selfConnectionId)
    {
        UserId = state.UserId;
        Metadata = state.Metadata;
        Connections = state.Connections.Select(c => new PresenceConnection(c, selfConnectionId)).ToArray();
    }

    /// <summary>The server's id for the user: the authenticated user, or an anonymous client's id.</summary>
    public string UserId { get; }

    /// <summary>The user's metadata (name, colour, avatar…), a JSON object: the one most recently set by any of their connections.</summary>
    public JsonElement Metadata { get; }

    /// <summary>The user's connections, in the order they joined; never empty.</summary>
    public IReadOnlyList<PresenceConnection> Connections { get; }

    /// <summary>Whether one of the connections is this client's own.</summary>
    public bool IsSelf => Connections.Any(static c => c.IsSelf);

    /// <summary>Whether any of the user's connections is typing.</summary>
    public bool IsTyping => Connections.Any(static c => c.IsTyping);

    internal bool SameAs(PresenceUser other) =>
        UserId == other.UserId && JsonElement.DeepEquals(Metadata, other.Metadata)
        && Connections.Count == other.Connections.Count && Connections.Zip(other.Connections).All(static p => p.First.SameAs(p.Second));
}
