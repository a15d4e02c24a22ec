using Converge.Protocol;

namespace Converge.Client.Reconnection;

/// <summary>A classified connection failure: what kind, the details a policy may use, and a message for people.</summary>
/// <param name="Kind">The class of failure.</param>
/// <param name="Message">What happened, for people.</param>
/// <param name="StatusCode">The HTTP status of a refused handshake, if any.</param>
/// <param name="CloseCode">The close code of a closed session, if any.</param>
/// <param name="RetryAfter">How long the server asked us to wait (Retry-After or an error frame's retryAfterMs), if it did.</param>
public sealed record ConnectionFailure(
    FailureKind Kind,
    string Message,
    int? StatusCode = null,
    ConvergeCloseCode? CloseCode = null,
    TimeSpan? RetryAfter = null)
{
    /// <summary>Whether reconnecting can help at all; false for Forbidden and Fatal (Unauthorized gets one refresh).</summary>
    public bool IsRetryable => Kind is not (FailureKind.Forbidden or FailureKind.Fatal);
}
