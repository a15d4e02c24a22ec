namespace Converge.Protocol.Frames;

/// <summary>Server → client: the change was not applied and never will be. The client rolls it back.</summary>
/// <param name="DocumentId">The document.</param>
/// <param name="ClientSeq">The rejected change's client sequence.</param>
/// <param name="Code">Why, machine-readable (<see cref="ErrorCodes"/> or an app validator's code).</param>
/// <param name="Reason">Why, for people.</param>
public sealed record RejectFrame(string DocumentId, long ClientSeq, string Code, string Reason) : Frame
{
    internal override string? Validate() =>
        FrameRules.DocumentId(DocumentId) ?? FrameRules.Positive(ClientSeq, "clientSeq") ?? (string.IsNullOrEmpty(Code) ? "code must not be empty." : null);
}
