using Converge.Model.Documents;

namespace Converge.Client.Storage;

/// <summary>A document's confirmed state as cached: complete at <paramref name="Sequence"/>, never partial.</summary>
/// <param name="Sequence">The server sequence the state includes: where to resume from.</param>
/// <param name="State">The confirmed state (without pending local changes).</param>
public sealed record StoredSnapshot(long Sequence, JsonMap State);
