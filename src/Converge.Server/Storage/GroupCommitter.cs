using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using Converge.Protocol.Frames;
using Converge.Server.Observability;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Converge.Server.Storage;

/// <summary>
/// Cross-document group commit: every authority's append is queued here, and one reader writes everything queued at
/// that moment (up to <see cref="ConvergeStorageOptions.MaxChangesPerTransaction"/> changes) in one store transaction,
/// then completes each authority's wait. Concurrent changes to many documents thus share one fsync, as concurrent
/// changes to one document already share its authority's commit group. An append still returns only once its own
/// changes are durable, so the authority's "durable before acknowledged" holds unchanged.
/// </summary>
/// <remarks>
/// At most <see cref="IChangeStore.ConcurrentTransactions"/> transactions are in flight (1 on SQLite): while they
/// are, new appends pile up, so a transaction holds more documents the busier the store is, and a lone append waits
/// for nothing. When a combined transaction fails (one batch repeats a sequence because of a bug or a second server
/// on the same store), each of its batches is retried in a transaction of its own, so that only the offending one fails.
/// </remarks>
internal sealed partial class GroupCommitter : IAsyncDisposable
{
    private readonly IChangeStore _store;
    private readonly ConvergeServerMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<GroupCommitter> _logger;
    private readonly int _maxChanges;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private readonly int _concurrency;
    private readonly SemaphoreSlim _transactions;

    // Counted here rather than with ChannelReader.Count, which not every channel kind supports.
    private int _queued;

    public GroupCommitter(IChangeStore store, IOptions<ConvergeServerOptions> options, ConvergeServerMetrics metrics, TimeProvider time,
        ILogger<GroupCommitter> logger)
    {
        _store = store;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _maxChanges = options.Value.Storage.MaxChangesPerTransaction;
        _concurrency = Math.Max(1, store.ConcurrentTransactions);
        _transactions = new SemaphoreSlim(_concurrency, _concurrency);
        _writer = IsEnabled ? Task.Run(WriteAsync) : Task.CompletedTask;
    }

    /// <summary>Appends queued but not yet in a transaction (tests wait on it to line batches up).</summary>
    public int QueueDepth => Volatile.Read(ref _queued);

    private bool IsEnabled => _maxChanges > 0;

    /// <summary>
    /// Appends one document's contiguous changes, together with whatever other documents are committing now; returns
    /// once they are durable. Not cancellable: the caller must learn whether its changes were written.
    /// </summary>
    /// <exception cref="System.Data.Common.DbException">The store refused the batch (it failed in a transaction of its own).</exception>
    /// <exception cref="ObjectDisposedException">The server is shutting down.</exception>
    public async ValueTask AppendAsync(string documentId, IReadOnlyList<ServerChange> changes)
    {
        if (changes.Count == 0)
        {
            return;
        }

        var batch = new DocumentBatch(documentId, changes);
        if (!IsEnabled)
        {
            await CommitAsync([batch]).ConfigureAwait(false);
            return;
        }

        // Completed on the writer's loop; continuations run elsewhere so one slow authority never holds up the writer.
        var pending = new Pending(batch, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        Interlocked.Increment(ref _queued);
        if (!_queue.Writer.TryWrite(pending))
        {
            Interlocked.Decrement(ref _queued);
            ObjectDisposedException.ThrowIf(true, this);
        }

        await pending.Durable.Task.ConfigureAwait(false);
    }

    /// <summary>Writes what is queued, then stops. The registry disposes the authorities (their last commits) first.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        _transactions.Dispose();
    }

    private async Task WriteAsync()
    {
        var reader = _queue.Reader;
        Pending? carried = null;
        while (carried is not null || await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Only once a transaction may start: while all are in flight, appends pile up and the next one takes them all.
            await _transactions.WaitAsync().ConfigureAwait(false);
            var group = new List<Pending>();
            var changes = 0;
            // Everything queued now, up to the bound; the first is taken even when larger, and what does not fit opens the next.
            while (carried is not null || TryDequeue(out carried))
            {
                if (group.Count > 0 && changes + carried.Batch.Changes.Count > _maxChanges)
                {
                    break;
                }

                group.Add(carried);
                changes += carried.Batch.Changes.Count;
                carried = null;
            }

            if (group.Count == 0)
            {
                _transactions.Release();
                continue;
            }

            _ = CommitGroupAsync(group, changes);
        }

        // Completed: wait for the transactions still in flight.
        for (var i = 0; i < _concurrency; i++)
        {
            await _transactions.WaitAsync().ConfigureAwait(false);
        }
    }

    // Never throws: every failure goes to the appends' waiters. Frees its transaction slot when done.
    private async Task CommitGroupAsync(List<Pending> group, int changes)
    {
        try
        {
            await CommitAsync([.. group.Select(static p => p.Batch)]).ConfigureAwait(false);
            foreach (var pending in group)
            {
                pending.Durable.TrySetResult();
            }
        }
        catch (Exception ex) when (group.Count > 1)
        {
            Log.CombinedCommitFailed(_logger, ex, group.Count, changes);
            await CommitEachAloneAsync(group).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            group[0].Durable.TrySetException(ex);
        }
        finally
        {
            _transactions.Release();
        }
    }

    private bool TryDequeue([NotNullWhen(true)] out Pending? pending)
    {
        if (!_queue.Reader.TryRead(out pending))
        {
            return false;
        }

        Interlocked.Decrement(ref _queued);
        return true;
    }

    private async Task CommitEachAloneAsync(List<Pending> group)
    {
        foreach (var pending in group)
        {
            try
            {
                await CommitAsync([pending.Batch]).ConfigureAwait(false);
                pending.Durable.TrySetResult();
            }
            catch (Exception ex)
            {
                Log.BatchFailedAlone(_logger, ex, pending.Batch.DocumentId, pending.Batch.Changes.Count);
                pending.Durable.TrySetException(ex);
            }
        }
    }

    private async ValueTask CommitAsync(IReadOnlyList<DocumentBatch> batches)
    {
        var started = _time.GetTimestamp();
        await _store.AppendManyAsync(batches, CancellationToken.None).ConfigureAwait(false);
        _metrics.TransactionCommitted(batches.Count, _time.GetElapsedTime(started));
    }

    private sealed record Pending(DocumentBatch Batch, TaskCompletionSource Durable);

    private static partial class Log
    {
        [LoggerMessage(EventId = 3, EventName = "GroupCommitFailed", Level = LogLevel.Warning, Message = "A transaction of {Batches} documents' commit groups ({Changes} change(s)) failed; committing each alone so that only the failing ones fail.")]
        public static partial void CombinedCommitFailed(ILogger logger, Exception exception, int batches, int changes);

        [LoggerMessage(EventId = 4, EventName = "GroupCommitBatchFailed", Level = LogLevel.Error, Message = "Document {DocumentId}: its commit group of {Count} change(s) failed in a transaction of its own; the other documents of the failed transaction were committed without it.")]
        public static partial void BatchFailedAlone(ILogger logger, Exception exception, string documentId, int count);
    }
}
