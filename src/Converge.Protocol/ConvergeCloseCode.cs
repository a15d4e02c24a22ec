namespace Converge.Protocol;

/// <summary>
/// WebSocket close codes Converge uses (RFC 6455 §7.4; 4000–4999 are ours). The full table, with what a
/// client does on each, is in docs/protocol.md.
/// </summary>
public enum ConvergeCloseCode
{
    /// <summary>Normal closure; the client asked for it or the session ended cleanly.</summary>
    Normal = 1000,

    /// <summary>The server is shutting down. Resumable.</summary>
    GoingAway = 1001,

    /// <summary>A binary frame arrived but the binary codec was not negotiated.</summary>
    UnsupportedData = 1003,

    /// <summary>An unexpected server failure. Resumable.</summary>
    InternalError = 1011,

    /// <summary>A frame could not be decoded. Not resumable without a fix: the peer has a bug.</summary>
    MalformedFrame = 4400,

    /// <summary>No valid credentials.</summary>
    Unauthorized = 4401,

    /// <summary>Credentials valid, permission missing.</summary>
    Forbidden = 4403,

    /// <summary>A frame arrived where the protocol does not allow it.</summary>
    UnexpectedFrame = 4405,

    /// <summary>The peer's protocol version is not supported.</summary>
    UnsupportedVersion = 4406,

    /// <summary>No hello in time, or no heartbeat answer. Resumable.</summary>
    Timeout = 4408,

    /// <summary>A frame exceeded the size limit.</summary>
    FrameTooLarge = 4413,

    /// <summary>The frame's type is unknown to this protocol version.</summary>
    UnknownFrameType = 4415,

    /// <summary>The client sent too fast; the preceding error frame says how long to wait. Resumable after that wait.</summary>
    RateLimited = 4429,

    /// <summary>The session's outbound queue overflowed (slow consumer). Resumable from the cursor.</summary>
    SlowConsumer = 4503,
}
