using Converge.Model;

namespace Converge.Protocol;

/// <summary>
/// A peer broke the protocol: a frame that cannot be decoded, is of an unknown type, or is not allowed where
/// it arrived. <see cref="CloseCode"/> is the WebSocket close code the receiving side closes with.
/// </summary>
public sealed class ProtocolException : ConvergeException
{
    /// <summary>Creates a protocol exception.</summary>
    /// <param name="errorCode">One of <see cref="ErrorCodes"/>.</param>
    /// <param name="message">What was wrong, for people. Safe to send to the peer: never echo secrets.</param>
    /// <param name="innerException">The decoder's exception, if any.</param>
    public ProtocolException(string errorCode, string message, Exception? innerException = null)
        : base(errorCode, message, innerException)
    {
        CloseCode = ConvergeCloseCodeExtensions.ForErrorCode(errorCode);
    }

    /// <summary>The close code that goes with <see cref="ConvergeException.ErrorCode"/>.</summary>
    public ConvergeCloseCode CloseCode { get; }
}
