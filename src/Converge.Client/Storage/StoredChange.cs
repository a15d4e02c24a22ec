using Converge.Model.Documents;

namespace Converge.Client.Storage;

/// <summary>A local change in the outbox: written before its receipt was handed out, removed once the server settled it.</summary>
/// <param name="ClientSeq">Its client sequence, the second half of its idempotency key.</param>
/// <param name="Operations">Its operations, in order.</param>
public sealed record StoredChange(long ClientSeq, IReadOnlyList<DocumentOperation> Operations);
