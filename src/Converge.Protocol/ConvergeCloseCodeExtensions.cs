namespace Converge.Protocol;

/// <summary>What a client should do after each <see cref="ConvergeCloseCode"/>.</summary>
public static class ConvergeCloseCodeExtensions
{
    /// <summary>
    /// Whether reconnecting and resuming from the cursor is the right response. Codes that mean "a peer has a
    /// bug" or "you may not" are not resumable: retrying would only repeat the failure.
    /// </summary>
    /// <param name="code">The close code received.</param>
    public static bool IsResumable(this ConvergeCloseCode code) => code switch
    {
        ConvergeCloseCode.GoingAway or ConvergeCloseCode.InternalError or ConvergeCloseCode.Timeout
            or ConvergeCloseCode.SlowConsumer or ConvergeCloseCode.RateLimited => true,
        _ => false,
    };

    /// <summary>The close code that goes with an error code from <see cref="ErrorCodes"/>.</summary>
    /// <param name="errorCode">An error code.</param>
    public static ConvergeCloseCode ForErrorCode(string errorCode) => errorCode switch
    {
        ErrorCodes.MalformedFrame => ConvergeCloseCode.MalformedFrame,
        ErrorCodes.UnknownFrameType => ConvergeCloseCode.UnknownFrameType,
        ErrorCodes.UnexpectedFrame => ConvergeCloseCode.UnexpectedFrame,
        ErrorCodes.UnsupportedVersion => ConvergeCloseCode.UnsupportedVersion,
        ErrorCodes.FrameTooLarge => ConvergeCloseCode.FrameTooLarge,
        ErrorCodes.UnsupportedEncoding => ConvergeCloseCode.UnsupportedData,
        ErrorCodes.Unauthorized => ConvergeCloseCode.Unauthorized,
        ErrorCodes.Forbidden => ConvergeCloseCode.Forbidden,
        ErrorCodes.SlowConsumer => ConvergeCloseCode.SlowConsumer,
        ErrorCodes.RateLimited or ErrorCodes.TooManyPending => ConvergeCloseCode.RateLimited,
        ErrorCodes.Timeout => ConvergeCloseCode.Timeout,
        ErrorCodes.ShuttingDown => ConvergeCloseCode.GoingAway,
        _ => ConvergeCloseCode.InternalError,
    };
}
