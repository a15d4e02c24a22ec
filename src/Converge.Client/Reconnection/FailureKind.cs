namespace Converge.Client.Reconnection;

/// <summary>Why a connection attempt failed or a connection ended; decides what happens next (see docs/architecture.md).</summary>
public enum FailureKind
{
    /// <summary>Timed out (handshake, heartbeat). Full backoff.</summary>
    Timeout,

    /// <summary>Refused, reset or closed without a reason. Full backoff.</summary>
    ConnectionLost,

    /// <summary>HTTP 5xx or a resumable server close (going away, internal error, slow consumer). Full backoff.</summary>
    ServerError,

    /// <summary>HTTP 429 or 503, possibly with Retry-After: wait exactly that when given, else full backoff.</summary>
    RateLimited,

    /// <summary>The host name did not resolve. Backoff with a longer cap.</summary>
    DnsFailure,

    /// <summary>HTTP 401 or close 4401: refresh the token and retry once, then stop.</summary>
    Unauthorized,

    /// <summary>HTTP 403 or close 4403: stop.</summary>
    Forbidden,

    /// <summary>A protocol violation or version mismatch (non-resumable close codes, HTTP 4xx): retrying would repeat it. Stop.</summary>
    Fatal,
}
