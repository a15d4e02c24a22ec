using System.Text.Json.Serialization;

namespace Converge.Protocol.Frames;

/// <summary>One connection (a tab, a device) of a present user, as the server relays it.</summary>
/// <param name="ConnectionId">The connection's identity: the client id of the replica that joined (stable across its reconnects).</param>
/// <param name="Cursor">Where it points; <see langword="null"/> when it has not said.</param>
/// <param name="Typing">Whether it is typing (the server clears this by itself after its typing timeout).</param>
public sealed record PresenceConnectionState(
    string ConnectionId,
    PresenceCursor? Cursor = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Typing = false)
{
    internal string? Validate() => FrameRules.ClientId(ConnectionId) ?? PresenceRules.Cursor(Cursor);
}
