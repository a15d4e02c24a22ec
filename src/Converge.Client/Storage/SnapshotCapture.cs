using Converge.Model.Documents;

namespace Converge.Client.Storage;

/// <summary>
/// What a document hands its journal for one snapshot write, taken under the document's lock so that the state, its
/// sequence and the acknowledged changes it includes agree.
/// </summary>
/// <param name="State">The confirmed state.</param>
/// <param name="Sequence">The sequence <paramref name="State"/> is complete at.</param>
/// <param name="IsComplete">False while a first download is under way: there is no state worth caching yet.</param>
/// <param name="Settled">Acknowledged changes included in <paramref name="State"/>, to leave the outbox with it.</param>
internal sealed record SnapshotCapture(JsonMap State, long Sequence, bool IsComplete, IReadOnlyList<long> Settled);
