using Converge.Client.Reconnection;
using Converge.Model;
using Converge.Protocol;

namespace Converge.Client;

/// <summary>The client could not connect, or gave up reconnecting; <see cref="Failure"/> says why.</summary>
public sealed class ConvergeConnectionException : ConvergeException
{
    /// <summary>Creates the exception from a classified failure.</summary>
    /// <param name="failure">What failed.</param>
    /// <param name="innerException">The transport's exception, if any.</param>
    public ConvergeConnectionException(ConnectionFailure failure, Exception? innerException = null)
        : base(CodeFor(failure), failure?.Message ?? string.Empty, innerException)
    {
        Failure = failure!;
    }

    /// <summary>The classified failure.</summary>
    public ConnectionFailure Failure { get; }

    /// <summary>The close code, when the server closed the session.</summary>
    public ConvergeCloseCode? CloseCode => Failure.CloseCode;

    private static string CodeFor(ConnectionFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return failure.Kind switch
        {
            FailureKind.Timeout => "timeout",
            FailureKind.ConnectionLost => "connection_lost",
            FailureKind.ServerError => "server_error",
            FailureKind.RateLimited => "rate_limited",
            FailureKind.DnsFailure => "dns_failure",
            FailureKind.Unauthorized => ErrorCodes.Unauthorized,
            FailureKind.Forbidden => ErrorCodes.Forbidden,
            _ => "fatal",
        };
    }
}
