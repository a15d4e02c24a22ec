using System.Collections.Concurrent;
using Converge.Protocol.Frames;
using Converge.Server.Storage;

namespace Converge.Server.Tests.Storage;

/// <summary>
/// A store that records every append transaction (which documents' batches, and whether it committed) and can hold the
/// next one until released, so that a test lines up the batches a shared transaction will hold without sleeping.
/// </summary>
internal sealed class RecordingStore(IChangeStore inner) : IChangeStore
{
    private readonly ConcurrentQueue<Transaction> _transactions = new();
    private TaskCompletionSource? _holding;
    private TaskCompletionSource? _release;

    public IReadOnlyCollection<Transaction> Transactions => _transactions;

    /// <summary>The inner store's unless set; 1 lines every queued batch up behind a held transaction.</summary>
    public int? ConcurrentTransactionsOverride { get; set; }

    public int ConcurrentTransactions => ConcurrentTransactionsOverride ?? inner.ConcurrentTransactions;

    /// <summary>The next append transaction waits until <see cref="Release"/>; the returned task completes once it waits.</summary>
    public Task HoldNextTransaction()
    {
        _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _holding, holding);
        return holding.Task;
    }

    public void Release() => _release!.TrySetResult();

    public ValueTask AppendAsync(string documentId, IReadOnlyList<ServerChange> changes, CancellationToken cancellationToken) =>
        AppendManyAsync([new DocumentBatch(documentId, changes)], cancellationToken);

    public async ValueTask AppendManyAsync(IReadOnlyList<DocumentBatch> batches, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _holding, null) is { } holding)
        {
            holding.TrySetResult();
            await _release!.Task;
        }

        var documents = batches.Select(static b => b.DocumentId).ToArray();
        try
        {
            await inner.AppendManyAsync(batches, cancellationToken);
        }
        catch
        {
            _transactions.Enqueue(new Transaction(documents, Committed: false));
            throw;
        }

        _transactions.Enqueue(new Transaction(documents, Committed: true));
    }

    public ValueTask InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

    public ValueTask<IReadOnlyList<ServerChange>> ReadAsync(string documentId, long afterSequence, int maxCount, CancellationToken cancellationToken) =>
        inner.ReadAsync(documentId, afterSequence, maxCount, cancellationToken);

    public ValueTask<long?> FindSequenceAsync(string documentId, string clientId, long clientSeq, CancellationToken cancellationToken) =>
        inner.FindSequenceAsync(documentId, clientId, clientSeq, cancellationToken);

    public ValueTask<DocumentCheckpoint?> ReadCheckpointAsync(string documentId, CancellationToken cancellationToken) =>
        inner.ReadCheckpointAsync(documentId, cancellationToken);

    public ValueTask WriteCheckpointAsync(string documentId, DocumentCheckpoint checkpoint, CancellationToken cancellationToken) =>
        inner.WriteCheckpointAsync(documentId, checkpoint, cancellationToken);

    public ValueTask<long> TruncateAsync(string documentId, long throughSequence, CancellationToken cancellationToken) =>
        inner.TruncateAsync(documentId, throughSequence, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    /// <summary>One append transaction: its batches' documents, in order, and whether it committed.</summary>
    public sealed record Transaction(string[] Documents, bool Committed);
}
