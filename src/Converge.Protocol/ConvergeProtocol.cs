namespace Converge.Protocol;

/// <summary>Protocol-wide constants shared by every codec, client and server (docs/protocol.md).</summary>
public static class ConvergeProtocol
{
    /// <summary>The protocol version this library speaks. A peer that speaks another version is refused.</summary>
    public const int Version = 1;

    /// <summary>The longest document id, in UTF-16 code units.</summary>
    public const int MaxDocumentIdLength = 256;

    /// <summary>The longest client id, in UTF-16 code units.</summary>
    public const int MaxClientIdLength = 128;

    /// <summary>The most subscriptions a hello frame may carry.</summary>
    public const int MaxHelloSubscriptions = 1024;

    /// <summary>The WebSocket subprotocol that selects the JSON codec on text frames.</summary>
    public const string JsonSubprotocol = "converge.v1.json";

    /// <summary>The WebSocket subprotocol that selects the MessagePack codec on binary frames.</summary>
    public const string MessagePackSubprotocol = "converge.v1.msgpack";
}
