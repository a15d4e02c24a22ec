using Converge.Model.Documents;

namespace Converge.Client.Storage;

/// <summary>A local change in the outbox: written before its receipt was handed out, removed once the server settled it.</summary>
/// <param name="ClientSeq">Its client sequence, the second half of its idempotency key.</param>
/// <param name="Operations">Its operations, in order.</param>
/// <param name="Held">A text edit not yet sendable (made while its text was being realigned after a jump): its wire form
/// is fixed when released (<see cref="IClientStore.ReplaceChange"/>); restored held, it stays held until then.</param>
public sealed record StoredChange(long ClientSeq, IReadOnlyList<DocumentOperation> Operations, bool Held = false);
