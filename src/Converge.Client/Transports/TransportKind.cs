namespace Converge.Client.Transports;

/// <summary>The transports a client may use, in the order of <see cref="ConvergeClientOptions.Transports"/>.</summary>
public enum TransportKind
{
    /// <summary>WebSocket (RFC 6455): bidirectional, lowest overhead. The default first choice.</summary>
    WebSocket,

    /// <summary>Server-Sent Events down, HTTP POST up: passes proxies that block WebSocket upgrades.</summary>
    ServerSentEvents,

    /// <summary>HTTP long polling down, HTTP POST up: works wherever plain HTTP does.</summary>
    LongPolling,
}
