using Converge.Model.Documents;

namespace Converge.Protocol.Frames;

/// <summary>A local change on its way to the server.</summary>
/// <param name="ClientId">The client that made it.</param>
/// <param name="ClientSeq">The client's sequence for this change in this document, from 1. With
/// <paramref name="ClientId"/> it is the idempotency key: the server applies a key at most once.</param>
/// <param name="Operations">What the change does, in order.</param>
public sealed record ClientChange(string ClientId, long ClientSeq, IReadOnlyList<DocumentOperation> Operations)
{
    internal string? Validate() =>
        FrameRules.ClientId(ClientId) ?? FrameRules.Positive(ClientSeq, "clientSeq") ?? FrameRules.Operations(Operations, allowEmpty: false);
}
