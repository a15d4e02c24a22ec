using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Net.WebSockets;
using Converge.Protocol;

namespace Converge.Client.Reconnection;

/// <summary>
/// Turns what a transport observed (an HTTP status and headers, a close code, an exception) into a
/// <see cref="ConnectionFailure"/>. One place, so every transport classifies alike (the article's
/// "Production considerations" table).
/// </summary>
internal static class FailureClassifier
{
    public static ConnectionFailure FromHttpStatus(int status, HttpResponseHeaders? headers, DateTimeOffset now, string? detail = null)
    {
        var message = $"HTTP {status}{(detail is null ? string.Empty : ": " + detail)}";
        return status switch
        {
            401 => new ConnectionFailure(FailureKind.Unauthorized, message, status),
            403 => new ConnectionFailure(FailureKind.Forbidden, message, status),
            429 or 503 => new ConnectionFailure(FailureKind.RateLimited, message, status, RetryAfter: RetryAfter(headers, now)),
            >= 500 => new ConnectionFailure(FailureKind.ServerError, message, status),
            // 404, 400, 426 and friends: the endpoint or this client is wrong; retrying repeats it.
            _ => new ConnectionFailure(FailureKind.Fatal, message, status),
        };
    }

    /// <summary>Retry-After as delta-seconds or an HTTP date (RFC 9110 §10.2.3); null when absent or unparsable.</summary>
    public static TimeSpan? RetryAfter(HttpResponseHeaders? headers, DateTimeOffset now)
    {
        if (headers?.RetryAfter is not { } retryAfter)
        {
            return null;
        }

        if (retryAfter.Delta is { } delta)
        {
            return Clamp(delta);
        }

        return retryAfter.Date is { } date ? Clamp(date - now) : null;
    }

    /// <summary>Parses a raw Retry-After header value (for transports that see raw headers).</summary>
    public static TimeSpan? RetryAfter(string? value, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (long.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return Clamp(TimeSpan.FromSeconds(Math.Min(seconds, (long)MaxRetryAfter.TotalSeconds)));
        }

        return DateTimeOffset.TryParseExact(value.Trim(), "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            ? Clamp(date - now)
            : null;
    }

    public static ConnectionFailure FromClose(ConvergeCloseCode? code, string reason, long? retryAfterMs)
    {
        var retryAfter = retryAfterMs is { } ms ? TimeSpan.FromMilliseconds(ms) : (TimeSpan?)null;
        return code switch
        {
            null => new ConnectionFailure(FailureKind.ConnectionLost, reason),
            ConvergeCloseCode.Unauthorized => new ConnectionFailure(FailureKind.Unauthorized, reason, CloseCode: code),
            ConvergeCloseCode.Forbidden => new ConnectionFailure(FailureKind.Forbidden, reason, CloseCode: code),
            ConvergeCloseCode.Timeout => new ConnectionFailure(FailureKind.Timeout, reason, CloseCode: code),
            // A clean close the client did not ask for (e.g. the server's idle cleanup): just reconnect.
            ConvergeCloseCode.Normal => new ConnectionFailure(FailureKind.ConnectionLost, reason, CloseCode: code),
            // Retry-After only matters when a retry is allowed at all: a fatal close stays fatal.
            { } resumable when resumable.IsResumable() && retryAfter is not null =>
                new ConnectionFailure(FailureKind.RateLimited, reason, CloseCode: code, RetryAfter: retryAfter),
            { } resumable when resumable.IsResumable() => new ConnectionFailure(FailureKind.ServerError, reason, CloseCode: code),
            _ => new ConnectionFailure(FailureKind.Fatal, reason, CloseCode: code),
        };
    }

    public static ConnectionFailure FromException(Exception exception, DateTimeOffset now) => exception switch
    {
        ConvergeConnectionException { Failure: { } failure } => failure,
        HttpRequestException { StatusCode: { } status } http => FromHttpStatus((int)status, null, now, http.Message),
        _ when IsDnsFailure(exception) => new ConnectionFailure(FailureKind.DnsFailure, exception.Message),
        TimeoutException or OperationCanceledException => new ConnectionFailure(FailureKind.Timeout, exception.Message),
        _ => new ConnectionFailure(FailureKind.ConnectionLost, exception.Message),
    };

    private static bool IsDnsFailure(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain }
                || current is HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError }
                || current is WebSocketException { InnerException: HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError } })
            {
                return true;
            }
        }

        return false;
    }

    // A server asking for more than a day is misconfigured; waiting that long would look like a dead client.
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromDays(1);

    private static TimeSpan Clamp(TimeSpan value) => value < TimeSpan.Zero ? TimeSpan.Zero : value > MaxRetryAfter ? MaxRetryAfter : value;
}
