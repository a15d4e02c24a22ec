namespace Converge.Model.Ot;

/// <summary>
/// A <see cref="TextDelta"/> does not fit the text or delta it meets: its base length differs, or it is based on a
/// revision the server no longer (or never) had. Nothing was changed when this is thrown.
/// </summary>
public sealed class InvalidTextDeltaException : ConvergeException
{
    /// <summary>The error code of every <see cref="InvalidTextDeltaException"/>.</summary>
    public const string Code = "invalid_delta";

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What did not fit, for people.</param>
    public InvalidTextDeltaException(string message)
        : base(Code, message)
    {
    }
}
