using Converge.Model;
using Converge.Model.Documents;
using Converge.Protocol;
using Converge.Protocol.Frames;
using Microsoft.Extensions.Logging;

namespace Converge.Client.Documents;

/// <summary>
/// A synced document: confirmed server state plus this client's pending changes applied on top (the article's
/// client-side prediction with server reconciliation). Local mutations show at once; acknowledgements move them
/// into confirmed state; rejections roll them back; remote changes are applied to confirmed state in strict
/// sequence order and pending changes are re-applied on top.
/// </summary>
/// <remarks>
/// Thread-safe. Every state change raises exactly one <see cref="Changed"/> event carrying one consistent, immutable
/// state, in the order the changes happened. Handlers run on the thread that caused the change (the connection's
/// receive loop, or the caller of a mutation); an exception in a handler is logged and does not break syncing.
/// </remarks>
public sealed partial class ConvergeDocument
{
    // A Monitor rather than System.Threading.Lock: event handlers may mutate the document re-entrantly.
    private readonly object _gate = new();
    private readonly IFrameSink _sink;
    private readonly string _clientId;
    private readonly ILogger _logger;
    private readonly List<PendingChange> _pending = [];
    private readonly IReadOnlyList<ChangeRule> _rules;
    private readonly SortedDictionary<long, ServerChange> _early = [];
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private JsonMap _confirmed = JsonMap.Empty;
    private JsonMap _view = JsonMap.Empty;
    private long _sequence;
    private long _lastClientSeq;
    private bool _live;
    private bool _replayRequested;
    private SnapshotAssembly? _snapshotParts;

    internal ConvergeDocument(string id, string clientId, IFrameSink sink, ILogger logger, IReadOnlyList<ChangeRule>? rules = null)
    {
        _rules = rules ?? [];
        Id = id;
        _clientId = clientId;
        _sink = sink;
        _logger = logger;
    }

    /// <summary>
    /// Raised as the parts of a large snapshot arrive (and once more when the last is applied). The state does not
    /// change until then: <see cref="Status"/> stays <see cref="DocumentStatus.Loading"/> for a first sync.
    /// </summary>
    public event EventHandler<SyncProgressEventArgs>? SyncProgress;

    /// <summary>Raised once per state change with the new state. See the class remarks for threading.</summary>
    public event EventHandler<DocumentChangedEventArgs>? Changed;

    /// <summary>Raised when the server rejects a local change (after it was rolled back and <see cref="Changed"/> raised).</summary>
    public event EventHandler<ChangeRejectedEventArgs>? Rejected;

    /// <summary>The document id.</summary>
    public string Id { get; }

    /// <summary>Whether the document has fully synced: <see cref="DocumentStatus.Loading"/>, <see cref="DocumentStatus.Ready"/>, or <see cref="DocumentStatus.Stale"/> (shown from the local store, not resynced yet).</summary>
    public DocumentStatus Status { get; private set; } = DocumentStatus.Loading;

    /// <summary>The state to show: confirmed state with pending local changes applied on top.</summary>
    public JsonMap State
    {
        get
        {
            lock (_gate)
            {
                return _view;
            }
        }
    }

    /// <summary>The state the server has confirmed, without pending local changes.</summary>
    public JsonMap ConfirmedState
    {
        get
        {
            lock (_gate)
            {
                return _confirmed;
            }
        }
    }

    /// <summary>The last server sequence applied to the confirmed state: the resume cursor.</summary>
    public long Sequence
    {
        get
        {
            lock (_gate)
            {
                return _sequence;
            }
        }
    }

    /// <summary>How many local changes await the server's answer.</summary>
    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Sets <paramref name="key"/> to a JSON value.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">Any JSON value.</param>
    /// <param name="cancellationToken">Cancels the call (not the change, once applied).</param>
    public ValueTask<ChangeReceipt> SetAsync(string key, System.Text.Json.JsonElement value, CancellationToken cancellationToken = default) =>
        ApplyAsync([new SetValue(key, value)], cancellationToken);

    /// <summary>Removes <paramref name="key"/>.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the call (not the change, once applied).</param>
    public ValueTask<ChangeReceipt> RemoveAsync(string key, CancellationToken cancellationToken = default) =>
        ApplyAsync([new RemoveValue(key)], cancellationToken);

    /// <summary>Adds <paramref name="by"/> to the integer counter at <paramref name="key"/>; concurrent increments all count (see <see cref="IncrementValue"/>).</summary>
    /// <param name="key">The counter's key; read it with <c>State.GetCounter(key)</c>.</param>
    /// <param name="by">The amount, positive or negative.</param>
    /// <param name="cancellationToken">Cancels the call (not the change, once applied).</param>
    public ValueTask<ChangeReceipt> IncrementAsync(string key, long by = 1, CancellationToken cancellationToken = default) =>
        ApplyAsync([new IncrementValue(key, by)], cancellationToken);

    /// <summary>Adds <paramref name="element"/> to the set at <paramref name="key"/> under a fresh tag; an add concurrent with a remove wins (see <see cref="AddToSet"/>).</summary>
    /// <param name="key">The set's key; read it with <c>State.GetSet(key)</c>.</param>
    /// <param name="element">The element.</param>
    /// <param name="cancellationToken">Cancels the call (not the change, once applied).</param>
    public ValueTask<ChangeReceipt> AddToSetAsync(string key, string element, CancellationToken cancellationToken = default) =>
        ApplyAsync([new AddToSet(key, element, SetTags.NewTag())], cancellationToken);

    /// <summary>
    /// Removes <paramref name="element"/> from the set at <paramref name="key"/> as this client sees it now (its observed
    /// tags): an add by someone else that this client has not seen yet survives. When the element is not in the set,
    /// nothing is sent and the receipt is already settled.
    /// </summary>
    /// <param name="key">The set's key.</param>
    /// <param name="element">The element.</param>
    /// <param name="cancellationToken">Cancels the call (not the change, once applied).</param>
    public ValueTask<ChangeReceipt> RemoveFromSetAsync(string key, string element, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<string> observed;
        long sequence;
        lock (_gate)
        {
            (observed, sequence) = (_view.GetSetTags(key, element), _sequence);
        }

        return observed.Count == 0
            ? ValueTask.FromResult(new ChangeReceipt(0, Task.FromResult(sequence)))
            : ApplyAsync([new RemoveFromSet(key, element, observed)], cancellationToken);
    }

    /// <summary>
    /// Applies operations as one change: visible at once in <see cref="State"/>, then sent to the server (now, or on
    /// the next connection). The receipt's <see cref="ChangeReceipt.Acknowledged"/> completes when the server settles it.
    /// </summary>
    /// <param name="operations">The operations, applied in order.</param>
    /// <param name="cancellationToken">Cancels the call before the change is applied.</param>
    /// <exception cref="ChangeRejectedException">The operations are invalid or a client rule (<see cref="ConvergeClientOptions.Rules"/>) refused them; nothing was applied.</exception>
    /// <exception cref="Storage.ClientStoreException">With a local store: the change could not be written to it (<c>store_write_failed</c>); nothing was applied.</exception>
    public ValueTask<ChangeReceipt> ApplyAsync(IReadOnlyList<DocumentOperation> operations, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Validate(operations) is { } problem)
        {
            throw new ChangeRejectedException(ErrorCodes.InvalidChange, problem, 0);
        }

        var copy = operations.ToArray();
        return ApplyAsync(_ => copy, cancellationToken);
    }

    /// <summary>
    /// Applies operations made from the current state as one change: <paramref name="build"/> runs under the document's
    /// lock with the current <see cref="State"/>, so what it reads (text positions, a set's observed tags, a value to
    /// increment from) cannot be overtaken by a remote change before the operations apply. Keep it short and free of I/O.
    /// </summary>
    /// <param name="build">Makes the operations from the current state.</param>
    /// <param name="cancellationToken">Cancels the call before the change is applied.</param>
    /// <exception cref="ChangeRejectedException">The operations are invalid or a client rule refused them; nothing was applied.</exception>
    /// <exception cref="Storage.ClientStoreException">With a local store: the change could not be written to it; nothing was applied.</exception>
    public ValueTask<ChangeReceipt> ApplyAsync(Func<JsonMap, IReadOnlyList<DocumentOperation>> build, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(build);
        cancellationToken.ThrowIfCancellationRequested();
        PendingChange change;
        bool live;
        lock (_gate)
        {
            var built = build(_view)?.ToArray() ?? [];
            if (Validate(built) is { } problem)
            {
                throw new ChangeRejectedException(ErrorCodes.InvalidChange, problem, 0);
            }

            var (copy, local, hold) = PrepareTextEdits(built);
            foreach (var rule in _rules)
            {
                if (rule(Id, _view, copy) is { } refusal)
                {
                    throw new ChangeRejectedException(ErrorCodes.ValidationFailed, refusal, 0);
                }
            }

            change = new PendingChange(++_lastClientSeq, copy) { Local = local, Held = hold };
            // Durable before anything else: a change that got a receipt survives a crash (Storage/DocumentJournal).
            _journal?.Append(change.ClientSeq, copy, hold);
            StartTextChains(change);
            _pending.Add(change);
            _view = _view.Apply(local);
            Raise(DocumentChangeKind.Local);
            live = _live;
        }

        // Outside the lock: a flush takes the client's push lock and then this document's, never the other way round.
        if (live)
        {
            _sink.ScheduleFlush(this);
        }

        return ValueTask.FromResult(new ChangeReceipt(change.ClientSeq, change.Acknowledged.Task));
    }

    /// <summary>Completes when the document is ready (fully synced once).</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    public Task WaitUntilReadyAsync(CancellationToken cancellationToken = default) => _ready.Task.WaitAsync(cancellationToken);

    internal Subscription BeginSubscription()
    {
        lock (_gate)
        {
            _live = true;
            return new Subscription(Id, _sequence);
        }
    }

    /// <summary>The document now runs on a new connection: resend everything pending there (the server answers
    /// repeats with their original ack, never applying them twice).</summary>
    internal void MoveToNewConnection()
    {
        lock (_gate)
        {
            _live = true;
            _pending.ForEach(static p => p.Sent = false);
        }
    }

    /// <summary>Where to resume from: the cursor, without changing any state.</summary>
    internal Subscription Cursor()
    {
        lock (_gate)
        {
            return new Subscription(Id, _sequence);
        }
    }

    /// <summary>Pending changes not yet sent on this connection, marked as sent.</summary>
    /// <summary>Marks up to <paramref name="max"/> unsent changes sent, oldest first, and returns them; <paramref name="more"/> when others are left to send.</summary>
    internal IReadOnlyList<ClientChange> TakeUnsent(int max, out bool more)
    {
        lock (_gate)
        {
            var unsent = new List<ClientChange>();
            more = false;
            foreach (var pending in _pending)
            {
                // A held text edit has no wire form yet (ConvergeDocument.Text.cs); later changes wait behind it, in order.
                if (pending.Held)
                {
                    break;
                }

                if (pending.Sent)
                {
                    continue;
                }

                if (unsent.Count == max)
                {
                    more = true;
                    break;
                }

                pending.Sent = true;
                unsent.Add(new ClientChange(_clientId, pending.ClientSeq, pending.Operations));
            }

            return unsent;
        }
    }

    internal void OnDisconnected()
    {
        lock (_gate)
        {
            _live = false;
            _replayRequested = false;
            _snapshotParts = null;
            _early.Clear();
            _pending.ForEach(static p => p.Sent = false);
        }
    }

    internal void OnSnapshot(SnapshotFrame snapshot)
    {
        OnSnapshotCore(snapshot);
        FlushReleasedEdits();
    }

    private void OnSnapshotCore(SnapshotFrame snapshot)
    {
        SyncProgressEventArgs? progress = null;
        lock (_gate)
        {
            IReadOnlyList<DocumentOperation> operations = snapshot.Operations;
            if (snapshot.Offset is { } offset)
            {
                if (offset == 0)
                {
                    _snapshotParts = new SnapshotAssembly(snapshot.Sequence);
                }

                if (_snapshotParts is not { } parts || parts.Sequence != snapshot.Sequence || parts.Operations.Count != offset)
                {
                    // A part out of line cannot be completed: drop what we have and ask for the document again.
                    Log.SnapshotPartOutOfLine(_logger, Id, offset, _snapshotParts?.Operations.Count ?? 0);
                    _snapshotParts = null;
                    _replayRequested = false;
                    RequestReplay();
                    return;
                }

                parts.Operations.AddRange(snapshot.Operations);
                progress = new SyncProgressEventArgs(parts.Operations.Count, snapshot.Total!.Value);
                if (!snapshot.IsLast)
                {
                    Invoke(SyncProgress, progress);
                    return;
                }

                operations = parts.Operations;
                _snapshotParts = null;
            }

            _confirmed = JsonMap.Empty.Apply(operations);
            _sequence = snapshot.Sequence;
            foreach (var pending in _pending)
            {
                if (!pending.Included && pending.ClientSeq <= snapshot.ClientSeq)
                {
                    LeaveTextChains(pending);
                    pending.Included = true;
                }
            }

            DrainEarly();
            Rebase(DocumentChangeKind.Snapshot);
            if (progress is not null)
            {
                Invoke(SyncProgress, progress);
            }
        }
    }

    internal void OnChanges(ChangesFrame frame)
    {
        OnChangesCore(frame);
        FlushReleasedEdits();
    }

    private void OnChangesCore(ChangesFrame frame)
    {
        lock (_gate)
        {
            foreach (var change in frame.Changes)
            {
                Integrate(change);
            }

            Rebase(DocumentChangeKind.Remote);
        }
    }

    internal void OnAck(AckFrame ack)
    {
        OnAckCore(ack);
        FlushReleasedEdits();
    }

    private void OnAckCore(AckFrame ack)
    {
        lock (_gate)
        {
            var pending = _pending.Find(p => p.ClientSeq == ack.ClientSeq);
            if (pending is null)
            {
                // Already settled: a replay carried our own change before this (re-sent) ack.
                return;
            }

            if (ack.Sequence <= _sequence)
            {
                // A snapshot already includes it.
                Settle(pending, ack.Sequence);
            }
            else if (ack.Operations is null && pending.Operations.Any(static o => o is EditText))
            {
                // A text edit acknowledged without the server's form of it (a repeat answered from the log): our own
                // form may differ from what the server applied, so take the change from a replay instead.
                _replayRequested = false;
                RequestReplay();
            }
            else
            {
                // The oldest pending change acknowledged as the very next sequence, as sent: the confirmed state becomes
                // what the view already applied first, so the view (confirmed + pending) stays as it is. Skipping the
                // recompute keeps settling N queued changes linear instead of quadratic (10,000 changes made offline
                // took 17 s to settle after a reconnect, almost all of it here; docs/benchmarks.md, "Hot path").
                var viewUnchanged = ack.Operations is null && ack.Sequence == _sequence + 1 && _early.Count == 0 && _textBases.Count == 0
                    && _pending[0] == pending && !pending.Included && SameForms(pending);
                // Our own change is the next link of the sequence: the same ordering rules as anyone's, in the form
                // the server applied it.
                Integrate(new ServerChange(ack.Sequence, _clientId, ack.ClientSeq, ack.Operations ?? pending.Operations));
                if (viewUnchanged && _textBases.Count == 0)
                {
                    ReleaseHeldEdits();
                    Raise(DocumentChangeKind.Acknowledged);
                    return;
                }
            }

            Rebase(DocumentChangeKind.Acknowledged);
        }
    }

    // Whether the view applied exactly the operations the server applied (no text edit rebased locally).
    private static bool SameForms(PendingChange change)
    {
        if (change.Local.Count != change.Operations.Count)
        {
            return false;
        }

        for (var i = 0; i < change.Local.Count; i++)
        {
            if (!ReferenceEquals(change.Local[i], change.Operations[i]))
            {
                return false;
            }
        }

        return true;
    }

    internal void OnReject(RejectFrame reject)
    {
        OnRejectCore(reject);
        FlushReleasedEdits();
    }

    private void OnRejectCore(RejectFrame reject)
    {
        lock (_gate)
        {
            var pending = _pending.Find(p => p.ClientSeq == reject.ClientSeq);
            if (pending is null)
            {
                return;
            }

            _pending.Remove(pending);
            LeaveTextChains(pending);
            _journal?.Rejected(reject.ClientSeq);
            var exception = new ChangeRejectedException(reject.Code, reject.Reason, reject.ClientSeq);
            pending.Acknowledged.TrySetException(exception);
            Log.Rejected(_logger, Id, reject.ClientSeq, reject.Code, reject.Reason);
            Rebase(DocumentChangeKind.RolledBack);
            Invoke(Rejected, new ChangeRejectedEventArgs(exception));
        }
    }

    internal void OnSubscribed(SubscribedFrame subscribed)
    {
        lock (_gate)
        {
            _replayRequested = false;
            if (Status == DocumentStatus.Ready)
            {
                return;
            }

            Status = DocumentStatus.Ready;
            Raise(DocumentChangeKind.Synced);
        }

        _ready.TrySetResult();
    }

    internal void OnError(ErrorFrame error)
    {
        Log.DocumentError(_logger, Id, error.Code, error.Message);
        if (Status == DocumentStatus.Loading)
        {
            _ready.TrySetException(new ConvergeException(error.Code, error.Message));
        }
    }

    private static string? Validate(IReadOnlyList<DocumentOperation>? operations)
    {
        if (operations is null || operations.Count == 0)
        {
            return "A change needs at least one operation.";
        }

        foreach (var operation in operations)
        {
            if (operation is null)
            {
                return "A change's operations must not be null.";
            }

            if (operation.Validate() is { } problem)
            {
                return problem;
            }
        }

        return EditText.CheckOnePerText(operations);
    }

    // Must hold _gate.
    private void Integrate(ServerChange change)
    {
        if (change.Sequence <= _sequence)
        {
            return;
        }

        if (change.Sequence > _sequence + 1)
        {
            _early[change.Sequence] = change;
            RequestReplay();
            return;
        }

        ApplyConfirmed(change);
        DrainEarly();
    }

    // Must hold _gate.
    private void DrainEarly()
    {
        while (_early.Count > 0)
        {
            var first = _early.First();
            _early.Remove(first.Key);
            if (first.Key == _sequence + 1)
            {
                ApplyConfirmed(first.Value);
            }
            else if (first.Key > _sequence + 1)
            {
                _early[first.Key] = first.Value;
                return;
            }
        }
    }

    // Must hold _gate.
    private void ApplyConfirmed(ServerChange change)
    {
        var mine = change.ClientId == _clientId ? _pending.Find(p => p.ClientSeq == change.ClientSeq) : null;
        foreach (var operation in change.Operations)
        {
            if (mine is null && operation is EditText)
            {
                // Our own edit settled earlier in this frame leaves its chain to be realigned: do it before moving on.
                RealignText(operation.Key);
            }

            var before = operation is EditText ? _confirmed.GetTextRevision(operation.Key) : 0;
            _confirmed = _confirmed.Apply([operation]);
            if (mine is null && operation is EditText remote && _confirmed.GetTextRevision(remote.Key) == before + 1)
            {
                OnRemoteTextEdit(remote, before);
            }
        }

        _sequence = change.Sequence;
        if (mine is not null)
        {
            Settle(mine, change.Sequence);
        }
    }

    // Must hold _gate.
    private void Settle(PendingChange change, long sequence)
    {
        _pending.Remove(change);
        LeaveTextChains(change);
        _journal?.Settled(change.ClientSeq);
        change.Acknowledged.TrySetResult(sequence);
    }

    // A gap in the stream: ask the server to replay from our cursor (a re-subscribe); duplicates are dropped above.
    private void RequestReplay()
    {
        if (_live && !_replayRequested)
        {
            _replayRequested = true;
            Log.Gap(_logger, Id, _sequence);
            _sink.TrySend(new SubscribeFrame(Id, _sequence));
        }
    }

    // Must hold _gate. The view is always confirmed state with every pending change re-applied, in order.
    private void Rebase(DocumentChangeKind kind)
    {
        RealignTexts();
        ReleaseHeldEdits();
        var view = _confirmed;
        foreach (var pending in _pending)
        {
            if (!pending.Included)
            {
                view = view.Apply(pending.Local);
            }
        }

        _view = view;
        Raise(kind);
    }

    // Must hold _gate, so that events are raised in the order of the states they carry.
    private void Raise(DocumentChangeKind kind)
    {
        _journal?.Observe(kind);
        Invoke(Changed, new DocumentChangedEventArgs(kind, _view, _sequence, _pending.Count, Status));
    }

    private void Invoke<T>(EventHandler<T>? handler, T args)
    {
        if (handler is null)
        {
            return;
        }

        try
        {
            handler(this, args);
        }
#pragma warning disable CA1031 // An app's handler must not be able to stop the sync engine.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.HandlerFailed(_logger, ex, Id);
        }
    }

    private sealed record SnapshotAssembly(long Sequence)
    {
        public List<DocumentOperation> Operations { get; } = [];
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 109, EventName = "SnapshotPartOutOfLine", Level = LogLevel.Warning, Message = "Document {DocumentId}: a snapshot part at offset {Offset} arrived after {Received} operations; resubscribing.")]
        public static partial void SnapshotPartOutOfLine(ILogger logger, string documentId, long offset, int received);

        [LoggerMessage(EventId = 100, EventName = "DocumentChangeRejected", Level = LogLevel.Information, Message = "Document {DocumentId}: change {ClientSeq} rejected ({Code}): {Reason}")]
        public static partial void Rejected(ILogger logger, string documentId, long clientSeq, string code, string reason);

        [LoggerMessage(EventId = 101, EventName = "DocumentGap", Level = LogLevel.Warning, Message = "Document {DocumentId}: gap after sequence {Sequence}; requesting a replay.")]
        public static partial void Gap(ILogger logger, string documentId, long sequence);

        [LoggerMessage(EventId = 102, EventName = "DocumentHandlerFailed", Level = LogLevel.Error, Message = "Document {DocumentId}: an event handler threw.")]
        public static partial void HandlerFailed(ILogger logger, Exception exception, string documentId);

        [LoggerMessage(EventId = 103, EventName = "DocumentError", Level = LogLevel.Warning, Message = "Document {DocumentId}: server error {Code}: {Message}")]
        public static partial void DocumentError(ILogger logger, string documentId, string code, string message);
    }
}
