using Converge.Protocol.Frames;

namespace Converge.Server.Storage;

/// <summary>
/// The durable, per-document change log and its checkpoints. An append returns only once the changes are durable:
/// the authority acknowledges nothing that is not. Implementations: <see cref="SqliteChangeStore"/> (the default) and
/// <see cref="PostgresChangeStore"/>; both pass the same contract suite (tests/Converge.Server.Tests/Storage).
/// </summary>
internal interface IChangeStore : IAsyncDisposable
{
    /// <summary>How many append transactions <see cref="GroupCommitter"/> keeps in flight at once: 1 where there is one
    /// writer (SQLite), more where concurrent commits overlap their round trips and share the server's WAL flush
    /// (PostgreSQL). Each holds whatever was queued when it started.</summary>
    int ConcurrentTransactions { get; }

    /// <summary>Creates the schema if needed. Called once at startup.</summary>
    ValueTask InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Changes with sequence greater than <paramref name="afterSequence"/>, ascending, at most <paramref name="maxCount"/>.
    /// Changes truncated from the log are not returned: the first one may be later than <paramref name="afterSequence"/> + 1.</summary>
    ValueTask<IReadOnlyList<ServerChange>> ReadAsync(string documentId, long afterSequence, int maxCount, CancellationToken cancellationToken);

    /// <summary>Appends contiguous changes in one durable transaction. A batch that repeats a sequence or an idempotency
    /// key (document, client id, client seq) already in the log is refused whole.</summary>
    ValueTask AppendAsync(string documentId, IReadOnlyList<ServerChange> changes, CancellationToken cancellationToken);

    /// <summary>Appends several documents' batches in ONE durable transaction (one fsync): all of them or none. When
    /// any batch would be refused, the whole transaction is; <see cref="GroupCommitter"/> then retries each alone.</summary>
    ValueTask AppendManyAsync(IReadOnlyList<DocumentBatch> batches, CancellationToken cancellationToken);

    /// <summary>The sequence a change was given, by its idempotency key; <see langword="null"/> when it was never accepted
    /// or has been truncated from the log.</summary>
    ValueTask<long?> FindSequenceAsync(string documentId, string clientId, long clientSeq, CancellationToken cancellationToken);

    /// <summary>The document's latest checkpoint, or <see langword="null"/> when none was written.</summary>
    ValueTask<DocumentCheckpoint?> ReadCheckpointAsync(string documentId, CancellationToken cancellationToken);

    /// <summary>Durably replaces the document's checkpoint with <paramref name="checkpoint"/>, unless the stored one is
    /// newer (a higher sequence): checkpoints never go back.</summary>
    ValueTask WriteCheckpointAsync(string documentId, DocumentCheckpoint checkpoint, CancellationToken cancellationToken);

    /// <summary>Deletes the document's changes with sequence at or below <paramref name="throughSequence"/>. Callers
    /// truncate only below a durable checkpoint.</summary>
    /// <returns>How many changes were deleted.</returns>
    ValueTask<long> TruncateAsync(string documentId, long throughSequence, CancellationToken cancellationToken);
}
