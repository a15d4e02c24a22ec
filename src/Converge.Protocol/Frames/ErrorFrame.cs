namespace Converge.Protocol.Frames;

/// <summary>
/// Server → client: something failed. When it concerns the whole session the server closes right after it,
/// with the close code that goes with <paramref name="Code"/>; when it names a document only that request failed.
/// </summary>
/// <param name="Code">Machine-readable (<see cref="ErrorCodes"/>); unknown codes must be tolerated.</param>
/// <param name="Message">For people.</param>
/// <param name="RetryAfterMs">When set, do not retry sooner than this many milliseconds.</param>
/// <param name="DocumentId">The document the error is about, if any.</param>
public sealed record ErrorFrame(string Code, string Message, long? RetryAfterMs = null, string? DocumentId = null) : Frame
{
    internal override string? Validate() =>
        (string.IsNullOrEmpty(Code) ? "code must not be empty." : null)
        ?? (RetryAfterMs is { } retry ? FrameRules.NonNegative(retry, "retryAfterMs") : null)
        ?? (DocumentId is not null ? FrameRules.DocumentId(DocumentId) : null);
}
