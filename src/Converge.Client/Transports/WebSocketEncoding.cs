namespace Converge.Client.Transports;

/// <summary>How frames are encoded on a WebSocket (docs/protocol.md).</summary>
public enum WebSocketEncoding
{
    /// <summary>Binary MessagePack messages (subprotocol <c>converge.v1.msgpack</c>).</summary>
    MessagePack,

    /// <summary>UTF-8 JSON text messages (subprotocol <c>converge.v1.json</c>).</summary>
    Json,
}
