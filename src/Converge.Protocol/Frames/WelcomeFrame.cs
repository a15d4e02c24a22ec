namespace Converge.Protocol.Frames;

/// <summary>Server → client, the answer to hello: the session is open.</summary>
/// <param name="ProtocolVersion">The protocol version the server will speak on this session.</param>
/// <param name="SessionId">The server's id for this session, for correlating logs on both sides.</param>
/// <param name="HeartbeatIntervalMs">How often the client should ping when otherwise idle, in milliseconds.</param>
/// <param name="MaxFrameBytes">The largest frame the server accepts from this client, in bytes.</param>
/// <param name="MaxPendingChanges">
/// How many pushed changes the client may have unanswered (neither acknowledged nor rejected) on this session at once;
/// <see langword="null"/> from servers that do not say (the client then uses its own limit).
/// </param>
public sealed record WelcomeFrame(int ProtocolVersion, string SessionId, long HeartbeatIntervalMs, int MaxFrameBytes, int? MaxPendingChanges = null) : Frame
{
    internal override string? Validate() =>
        string.IsNullOrEmpty(SessionId) ? "sessionId must not be empty."
        : FrameRules.Positive(HeartbeatIntervalMs, "heartbeatIntervalMs") ?? FrameRules.Positive(MaxFrameBytes, "maxFrameBytes")
            ?? (MaxPendingChanges is { } pending ? FrameRules.Positive(pending, "maxPendingChanges") : null);
}
