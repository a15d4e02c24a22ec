namespace Converge.Model.Encoding;

/// <summary>
/// Bytes could not be decoded as the expected model type: truncated, corrupt, hostile, or over a limit.
/// Decoders throw only this (never an index or overflow exception), and never before checking a length
/// against the bytes actually present, so hostile input cannot make them allocate without bound.
/// </summary>
public sealed class ModelEncodingException : ConvergeException
{
    /// <summary>The error code of every <see cref="ModelEncodingException"/>.</summary>
    public const string Code = "invalid_encoding";

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was wrong and where, for people.</param>
    public ModelEncodingException(string message)
        : base(Code, message)
    {
    }
}
