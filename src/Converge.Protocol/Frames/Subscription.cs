namespace Converge.Protocol.Frames;

/// <summary>A document and the resume cursor to subscribe from.</summary>
/// <param name="DocumentId">The document.</param>
/// <param name="Since">The last server sequence the client has applied; 0 asks for a snapshot.</param>
public sealed record Subscription(string DocumentId, long Since = 0)
{
    internal string? Validate() => FrameRules.DocumentId(DocumentId) ?? FrameRules.NonNegative(Since, "since");
}
