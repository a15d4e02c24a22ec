using System.Text.Json;

namespace Converge.Protocol.Frames;

/// <summary>
/// One present user of a document: one entry however many connections (tabs, devices) the user has, with each
/// connection beneath it. The entry exists from the user's first connection until the last one has gone.
/// </summary>
/// <param name="UserId">The server's name for the user: the authenticated user, or the client id of an anonymous connection.</param>
/// <param name="Metadata">The user's metadata (name, colour, avatar…): a JSON object, the one most recently set by any of the user's connections.</param>
/// <param name="Connections">The user's connections, at least one, each once, in the order they joined.</param>
public sealed record PresenceUserState(string UserId, JsonElement Metadata, IReadOnlyList<PresenceConnectionState> Connections)
{
    /// <summary>The longest user id, in UTF-16 code units.</summary>
    public const int MaxUserIdLength = 256;

    internal string? Validate()
    {
        if ((PresenceRules.UserId(UserId) ?? PresenceRules.Metadata(Metadata)) is { } problem)
        {
            return problem;
        }

        if (FrameRules.List(Connections, "connections", static c => c.Validate()) is { } connections)
        {
            return connections;
        }

        return PresenceRules.Unique(Connections, static c => c.ConnectionId, "connectionId");
    }
}
