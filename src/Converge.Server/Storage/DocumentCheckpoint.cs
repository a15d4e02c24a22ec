using Converge.Model.Documents;

namespace Converge.Server.Storage;

/// <summary>
/// A document's committed state at one sequence, with what each client last had accepted: enough to rebuild the
/// authority without the log before <see cref="Sequence"/>, idempotency included (a client's highest key stays known
/// after its changes are truncated).
/// </summary>
/// <param name="Sequence">The head the state is at.</param>
/// <param name="State">The document as operations that rebuild it from empty (<c>JsonMap.ToOperations</c>).</param>
/// <param name="Clients">Each client's highest accepted client sequence and the sequence it got, as of <see cref="Sequence"/>.</param>
internal sealed record DocumentCheckpoint(long Sequence, IReadOnlyList<DocumentOperation> State, IReadOnlyList<CheckpointClient> Clients);
