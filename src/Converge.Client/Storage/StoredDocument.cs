namespace Converge.Client.Storage;

/// <summary>Everything the store holds for one document, as read when the document is opened.</summary>
/// <param name="DocumentId">The document.</param>
/// <param name="NextClientSeq">The client sequence the next local change gets: above every one ever used for this
/// document by this client identity, so none is reused for a different change.</param>
/// <param name="Snapshot">The cached confirmed state, or <see langword="null"/> when there is none (never cached,
/// evicted, or dropped as corrupt): the document must then be downloaded before it is shown.</param>
/// <param name="Outbox">Changes not yet acknowledged, in client-sequence order.</param>
public sealed record StoredDocument(string DocumentId, long NextClientSeq, StoredSnapshot? Snapshot, IReadOnlyList<StoredChange> Outbox);
