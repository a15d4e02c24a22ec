using Converge.Model.Documents;

namespace Converge.Client.Storage;

/// <summary>
/// Durable client state: the client identity, per document the next client sequence, the cached confirmed state with
/// its cursor and last use, and the outbox of unacknowledged changes.
/// </summary>
/// <remarks>
/// Synchronous on purpose: <see cref="AppendChange"/> runs inside a document's lock, which orders client sequences
/// and outbox rows with the pushes, and that lock cannot be held across an <c>await</c>. (SQLite's ADO.NET provider is
/// synchronous underneath anyway.) Implementations are thread-safe.
/// </remarks>
public interface IClientStore : IAsyncDisposable
{
    /// <summary>The client identity this store belongs to, fixed when it was first created.</summary>
    string ClientId { get; }

    /// <summary>Reads what is stored for a document and marks it used now. Corrupt rows are dropped and logged, never thrown.</summary>
    /// <param name="documentId">The document.</param>
    /// <param name="now">The time of use, for least-recently-used eviction.</param>
    StoredDocument Load(string documentId, DateTimeOffset now);

    /// <summary>Adds a change to the outbox and raises the document's next client sequence past it, durably, before returning.</summary>
    /// <param name="documentId">The document.</param>
    /// <param name="change">The change.</param>
    /// <exception cref="ClientStoreException"><see cref="ClientStoreException.WriteFailed"/>: nothing was written.</exception>
    void AppendChange(string documentId, StoredChange change);

    /// <summary>Rewrites a change in the outbox (a held text edit released with its final wire form), durably, before returning.</summary>
    /// <param name="documentId">The document.</param>
    /// <param name="change">The change, by its client sequence.</param>
    /// <exception cref="ClientStoreException"><see cref="ClientStoreException.WriteFailed"/>: the stored form is unchanged.</exception>
    void ReplaceChange(string documentId, StoredChange change);

    /// <summary>Removes changes from the outbox (rejected ones: they must never be sent again).</summary>
    /// <param name="documentId">The document.</param>
    /// <param name="clientSeqs">The changes' client sequences.</param>
    void RemoveChanges(string documentId, IReadOnlyCollection<long> clientSeqs);

    /// <summary>
    /// Replaces the cached state (unless a newer one is already stored) and, in the same transaction, removes the
    /// acknowledged changes that state includes from the outbox.
    /// </summary>
    /// <param name="documentId">The document.</param>
    /// <param name="sequence">The sequence <paramref name="state"/> is complete at.</param>
    /// <param name="state">The confirmed state.</param>
    /// <param name="settled">Client sequences of acknowledged changes included in <paramref name="state"/>.</param>
    /// <param name="now">The last use of a document cached for the first time (otherwise the last <see cref="Load"/> stands).</param>
    void SaveSnapshot(string documentId, long sequence, JsonMap state, IReadOnlyCollection<long> settled, DateTimeOffset now);

    /// <summary>Bytes the cache holds: stored states and outbox operations.</summary>
    long CachedBytes { get; }

    /// <summary>
    /// Drops cached states, least recently used first, until <see cref="CachedBytes"/> is at most
    /// <paramref name="quotaBytes"/>; never one with changes in the outbox or one in <paramref name="keep"/>.
    /// Client sequences are kept: they are what makes a reused client identity safe.
    /// </summary>
    /// <param name="quotaBytes">The limit.</param>
    /// <param name="keep">Documents not to evict (open ones).</param>
    /// <returns>The evicted documents.</returns>
    IReadOnlyList<string> EnforceQuota(long quotaBytes, IReadOnlySet<string> keep);
}
