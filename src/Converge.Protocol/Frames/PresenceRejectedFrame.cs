namespace Converge.Protocol.Frames;

/// <summary>
/// Server → client: a presence join or update was refused; nothing of it took effect and the session stays open.
/// </summary>
/// <param name="DocumentId">The document.</param>
/// <param name="Code">Why, machine-readable: <c>forbidden</c> (no read access), <c>presence_too_large</c>,
/// <c>presence_limit</c>, <c>not_joined</c> (<see cref="ErrorCodes"/>). Unknown codes must be tolerated.</param>
/// <param name="Reason">Why, for people.</param>
public sealed record PresenceRejectedFrame(string DocumentId, string Code, string Reason) : Frame
{
    internal override string? Validate() => FrameRules.DocumentId(DocumentId) ?? (string.IsNullOrEmpty(Code) ? "code must not be empty." : null);
}
