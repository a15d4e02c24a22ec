using Converge.Client.Documents;
using Converge.Model.Documents;
using Microsoft.Extensions.Logging;

namespace Converge.Client.Storage;

/// <summary>
/// One open document's link to the local store: writes each local change to the outbox before its receipt exists,
/// removes rejected ones at once, and writes the confirmed state (with the acknowledged changes it includes leaving
/// the outbox in the same transaction) when the document first becomes ready, then at most
/// <see cref="LocalStoreOptions.SnapshotInterval"/> after it changes or after
/// <see cref="LocalStoreOptions.SnapshotChangeCount"/> changes, and when the client stops.
/// </summary>
/// <remarks>
/// Why not write the state on every change: it is a cache. Losing the latest one costs a download from the stored
/// cursor, never a change (the outbox has those), and rewriting a large document per keystroke would cost far more
/// than the edits. Acknowledged changes stay in the outbox until a state that includes them is written, so a restart
/// never shows a state without them; if they are sent again, the server answers with the original ack.
/// </remarks>
internal sealed partial class DocumentJournal : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly IClientStore _store;
    private readonly LocalStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action _written;
    private readonly List<long> _settled = [];
    private Func<SnapshotCapture>? _capture;
    private ITimer? _timer;
    private int _unsaved;
    private Task _background = Task.CompletedTask;
    private bool _disposed;

    public DocumentJournal(string documentId, IClientStore store, LocalStoreOptions options, TimeProvider time, ILogger logger, Action written)
    {
        DocumentId = documentId;
        _store = store;
        _options = options;
        _time = time;
        _logger = logger;
        _written = written;
    }

    public string DocumentId { get; }

    /// <summary>Where snapshots come from; set once when the document is bound to its journal.</summary>
    public void Bind(Func<SnapshotCapture> capture) => _capture = capture;

    /// <summary>Writes a new local change to the outbox, durably. Called under the document's lock, before the change
    /// is applied, shown or sent: a change that could not be written never gets a receipt.</summary>
    /// <exception cref="ClientStoreException"><see cref="ClientStoreException.WriteFailed"/>.</exception>
    public void Append(long clientSeq, IReadOnlyList<DocumentOperation> operations, bool held = false) =>
        _store.AppendChange(DocumentId, new StoredChange(clientSeq, operations, held));

    /// <summary>A held text edit was released with its final wire form: the outbox gets that form (so a restart sends it).</summary>
    public void Released(long clientSeq, IReadOnlyList<DocumentOperation> operations)
    {
        try
        {
            _store.ReplaceChange(DocumentId, new StoredChange(clientSeq, operations));
        }
        catch (Exception ex) when (ex is ClientStoreException or ObjectDisposedException)
        {
            // Sent anyway from memory; only a restart before its acknowledgement would find the held form and hold it again.
            Log.ReleaseFailed(_logger, ex, DocumentId, clientSeq);
        }
    }

    /// <summary>A change was acknowledged and is now part of the confirmed state: it leaves the outbox with the next snapshot.</summary>
    public void Settled(long clientSeq)
    {
        lock (_gate)
        {
            _settled.Add(clientSeq);
        }
    }

    /// <summary>A change was rejected: it leaves the outbox now, so that no restart sends it again.</summary>
    public void Rejected(long clientSeq)
    {
        try
        {
            _store.RemoveChanges(DocumentId, [clientSeq]);
        }
#pragma warning disable CA1031 // Failing to forget a rejected change must not stop syncing; it is logged.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.RemoveFailed(_logger, ex, DocumentId, clientSeq);
        }
    }

    /// <summary>The document's state changed. Called under the document's lock.</summary>
    public void Observe(DocumentChangeKind kind)
    {
        switch (kind)
        {
            case DocumentChangeKind.Synced:
                // Written before OpenDocumentAsync returns: a document the app has seen ready can be shown offline after a restart.
                WriteSnapshot();
                return;
            case DocumentChangeKind.Snapshot or DocumentChangeKind.Remote or DocumentChangeKind.Acknowledged:
                break;
            default:
                return;
        }

        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            if (++_unsaved < _options.SnapshotChangeCount)
            {
                _timer ??= _time.CreateTimer(static state => ((DocumentJournal)state!).ScheduleWrite(), this, _options.SnapshotInterval, Timeout.InfiniteTimeSpan);
                return;
            }
        }

        ScheduleWrite();
    }

    /// <summary>The acknowledged changes recorded so far, handed over to a snapshot write. Called under the document's lock.</summary>
    public IReadOnlyList<long> TakeSettled()
    {
        lock (_gate)
        {
            var settled = _settled.ToArray();
            _settled.Clear();
            return settled;
        }
    }

    /// <summary>Writes the state now if anything is unsaved, and waits for writes under way.</summary>
    public async Task FlushAsync()
    {
        bool dirty;
        lock (_gate)
        {
            dirty = _unsaved > 0 || _settled.Count > 0 || _timer is not null;
        }

        if (dirty)
        {
            ScheduleWrite();
        }

        Task background;
        lock (_gate)
        {
            background = _background;
        }

        await background.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await FlushAsync().ConfigureAwait(false);
        lock (_gate)
        {
            _disposed = true;
            _timer?.Dispose();
            _timer = null;
        }
    }

    // One write at a time per document, in order, off the caller's thread (a timer's or the receive loop's).
    private void ScheduleWrite()
    {
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
            _background = _background.ContinueWith(static (_, state) => ((DocumentJournal)state!).WriteSnapshot(), this,
                CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
    }

    private void WriteSnapshot()
    {
        lock (_gate)
        {
            _unsaved = 0;
            _timer?.Dispose();
            _timer = null;
        }

        if (_capture?.Invoke() is not { } capture)
        {
            return;
        }

        if (!capture.IsComplete)
        {
            Return(capture.Settled);
            return;
        }

        try
        {
            _store.SaveSnapshot(DocumentId, capture.Sequence, capture.State, capture.Settled, _time.GetUtcNow());
        }
#pragma warning disable CA1031 // The cache failing to write must not stop syncing; the outbox is untouched and it is logged.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Return(capture.Settled);
            Log.SnapshotFailed(_logger, ex, DocumentId, capture.Sequence);
            return;
        }

        Log.SnapshotWritten(_logger, DocumentId, capture.Sequence, capture.Settled.Count);
        _written();
    }

    private void Return(IReadOnlyList<long> settled)
    {
        if (settled.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            _settled.AddRange(settled);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 310, EventName = "ClientStoreSnapshotWritten", Level = LogLevel.Debug, Message = "Local store: document {DocumentId} cached at sequence {Sequence}; {Settled} acknowledged changes left the outbox.")]
        public static partial void SnapshotWritten(ILogger logger, string documentId, long sequence, int settled);

        [LoggerMessage(EventId = 311, EventName = "ClientStoreSnapshotFailed", Level = LogLevel.Warning, Message = "Local store: document {DocumentId} could not be cached at sequence {Sequence}; retrying with the next change.")]
        public static partial void SnapshotFailed(ILogger logger, Exception exception, string documentId, long sequence);

        [LoggerMessage(EventId = 313, EventName = "ClientStoreReleaseFailed", Level = LogLevel.Warning, Message = "Local store: the released form of change {ClientSeq} of {DocumentId} could not be written.")]
        public static partial void ReleaseFailed(ILogger logger, Exception exception, string documentId, long clientSeq);

        [LoggerMessage(EventId = 312, EventName = "ClientStoreRemoveFailed", Level = LogLevel.Error, Message = "Local store: rejected change {ClientSeq} of document {DocumentId} could not be removed from the outbox.")]
        public static partial void RemoveFailed(ILogger logger, Exception exception, string documentId, long clientSeq);
    }
}
