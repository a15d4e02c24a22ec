namespace Converge.Protocol;

/// <summary>
/// The machine-readable codes carried by error and reject frames and by <see cref="ProtocolException"/>.
/// Peers must tolerate codes they do not know (treat them as the close code says).
/// </summary>
public static class ErrorCodes
{
    /// <summary>The bytes are not a well-formed frame: bad JSON, a missing or invalid field.</summary>
    public const string MalformedFrame = "malformed_frame";

    /// <summary>The frame's <c>type</c> is not one this protocol version defines.</summary>
    public const string UnknownFrameType = "unknown_frame_type";

    /// <summary>A well-formed frame arrived where the protocol does not allow it (e.g. push before hello).</summary>
    public const string UnexpectedFrame = "unexpected_frame";

    /// <summary>The peer speaks a protocol version this side does not.</summary>
    public const string UnsupportedVersion = "unsupported_version";

    /// <summary>The frame is larger than the receiver accepts.</summary>
    public const string FrameTooLarge = "frame_too_large";

    /// <summary>The frame uses an encoding this connection did not negotiate (e.g. binary without the binary codec).</summary>
    public const string UnsupportedEncoding = "unsupported_encoding";

    /// <summary>No valid credentials.</summary>
    public const string Unauthorized = "unauthorized";

    /// <summary>Valid credentials, but no permission for this document or action.</summary>
    public const string Forbidden = "forbidden";

    /// <summary>The server refused a change (e.g. its clientId is not the session's, or a validator said no); nothing was applied.
    /// Operations that break the frame rules never get this far: they are <see cref="MalformedFrame"/>.</summary>
    public const string InvalidChange = "invalid_change";

    /// <summary>An app validator refused the change (reject frame); the reason says why. Do not resend it unchanged.</summary>
    public const string ValidationFailed = "validation_failed";

    /// <summary>The change would grow the document past the server's size limit (reject frame). Changes that shrink it are still accepted.</summary>
    public const string DocumentTooLarge = "document_too_large";

    /// <summary>A change's client sequence is at or below one the server already settled, and it is not a known duplicate.</summary>
    public const string StaleChange = "stale_change";

    /// <summary>A push named a document this session has not subscribed to.</summary>
    public const string NotSubscribed = "not_subscribed";

    /// <summary>Presence (presenceRejected): the metadata or the cursor is larger than the server accepts.</summary>
    public const string PresenceTooLarge = "presence_too_large";

    /// <summary>Presence (presenceRejected): the session is present in as many documents as the server allows.</summary>
    public const string PresenceLimit = "presence_limit";

    /// <summary>Presence (presenceRejected): a presenceUpdate for a document this connection has not joined.</summary>
    public const string NotJoined = "not_joined";

    /// <summary>The session could not keep up with its outbound queue; reconnect and resume from the cursor.</summary>
    public const string SlowConsumer = "slow_consumer";

    /// <summary>No hello arrived in time, or no heartbeat answer.</summary>
    public const string Timeout = "timeout";

    /// <summary>Too many frames too fast; wait <c>retryAfterMs</c>, then reconnect and resume (pending changes are re-sent).</summary>
    public const string RateLimited = "rate_limited";

    /// <summary>
    /// The session has more pushed-but-unanswered changes than the server allows (<c>MaxPendingChangesPerClient</c>). The
    /// push that went over was not applied; wait <c>retryAfterMs</c>, reconnect and push the pending changes again.
    /// </summary>
    public const string TooManyPending = "too_many_pending";

    /// <summary>HTTP transports: the session id is unknown, ended, expired, or not this user's. Open a new session with your cursors.</summary>
    public const string UnknownSession = "unknown_session";

    /// <summary>Long polling: another poll is already waiting on this session.</summary>
    public const string PollInProgress = "poll_in_progress";

    /// <summary>Long polling: the frames after <c>since</c> are no longer held. Open a new session with your cursors.</summary>
    public const string CursorUnavailable = "cursor_unavailable";

    /// <summary>The server failed; the operation may be retried.</summary>
    public const string InternalError = "internal_error";

    /// <summary>The server is shutting down; reconnect and resume.</summary>
    public const string ShuttingDown = "shutting_down";
}
