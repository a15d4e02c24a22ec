using Converge.Protocol.Frames;

namespace Converge.Server.Storage;

/// <summary>One document's contiguous changes to append: an authority's commit group.</summary>
internal sealed record DocumentBatch(string DocumentId, IReadOnlyList<ServerChange> Changes);
