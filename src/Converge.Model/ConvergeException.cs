namespace Converge.Model;

/// <summary>
/// The root of every exception Converge throws on purpose. Catch this to handle any Converge failure;
/// inspect <see cref="ErrorCode"/> for a machine-readable reason.
/// </summary>
public class ConvergeException : Exception
{
    /// <summary>Creates an exception with a machine-readable code and a message for people.</summary>
    /// <param name="errorCode">A stable, machine-readable code such as <c>malformed_frame</c>.</param>
    /// <param name="message">What went wrong, for people.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    public ConvergeException(string errorCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ArgumentException.ThrowIfNullOrEmpty(errorCode);
        ErrorCode = errorCode;
    }

    /// <summary>A stable, machine-readable code (snake_case), suitable for logs and branching.</summary>
    public string ErrorCode { get; }
}
