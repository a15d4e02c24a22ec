using Converge.Model;
using Converge.Protocol;

namespace Converge.Client;

/// <summary>The client could not connect, or the server ended the session with an error.</summary>
public sealed class ConvergeConnectionException : ConvergeException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="errorCode">Machine-readable, e.g. <c>connect_failed</c> or a server error code.</param>
    /// <param name="message">For people.</param>
    /// <param name="closeCode">The close code, when the server closed the session.</param>
    /// <param name="innerException">The transport's exception, if any.</param>
    public ConvergeConnectionException(string errorCode, string message, ConvergeCloseCode? closeCode = null, Exception? innerException = null)
        : base(errorCode, message, innerException)
    {
        CloseCode = closeCode;
    }

    /// <summary>The close code, when the server closed the session.</summary>
    public ConvergeCloseCode? CloseCode { get; }
}
