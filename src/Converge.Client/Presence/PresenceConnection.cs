using System.Text.Json;
using Converge.Protocol.Frames;

namespace Converge.Client.Presence;

/// <summary>One connection (a tab, a device) of a present user: where it points, whether it is typing.</summary>
public sealed class PresenceConnection
{
    internal PresenceConnection(PresenceConnectionState state, string selfConnectionId)
    {
        ConnectionId = state.ConnectionId;
        Position = state.Cursor?.Position;
        Selection = state.Cursor?.Selection;
        IsTyping = state.Typing;
        IsSelf = string.Equals(state.ConnectionId, selfConnectionId, StringComparison.Ordinal);
    }

    /// <summary>The connection's id: the <see cref="ConvergeClient.ClientId"/> of the client that joined.</summary>
    public string ConnectionId { get; }

    /// <summary>Its cursor or pointer (app-defined JSON), or <see langword="null"/> when it has none.</summary>
    public JsonElement? Position { get; }

    /// <summary>Its selection (app-defined JSON), or <see langword="null"/> when it has none.</summary>
    public JsonElement? Selection { get; }

    /// <summary>Whether it is typing (cleared by the server after its typing timeout).</summary>
    public bool IsTyping { get; }

    /// <summary>Whether this is this client's own connection.</summary>
    public bool IsSelf { get; }

    internal bool SameAs(PresenceConnection other) =>
        ConnectionId == other.ConnectionId && IsTyping == other.IsTyping && Same(Position, other.Position) && Same(Selection, other.Selection);

    private static bool Same(JsonElement? a, JsonElement? b) => a is { } x ? b is { } y && JsonElement.DeepEquals(x, y) : b is null;
}
