using System.Threading.Channels;
using Converge.Model.Documents;
using Converge.Protocol;
using Converge.Protocol.Codecs;
using Converge.Protocol.Frames;
using Converge.Server.Sessions;
using Converge.Server.Storage;
using Microsoft.Extensions.Logging;

namespace Converge.Server.Authority;

/// <summary>
/// The single authority for one document (the article's Figma/Discord model: one process per document).
/// One reader drains a channel of commands, so document state needs no locks. It gives each accepted change the
/// next gap-free sequence, makes it durable, then acknowledges it and fans it out, in that order.
/// </summary>
/// <remarks>
/// Checkpoints (state + head + client progress) are written every <see cref="ConvergeStorageOptions.CheckpointEveryChanges"/>
/// changes or <see cref="ConvergeStorageOptions.CheckpointInterval"/>, by a background task working on an immutable copy,
/// so commits never wait for them; once a checkpoint has aged past the retention, the log behind it is truncated.
/// Loading is the latest checkpoint plus the log after it. An authority idle for
/// <see cref="ConvergeStorageOptions.PassivateAfter"/> checkpoints and leaves memory (passivation).
/// </remarks>
internal sealed partial class DocumentAuthority : IAsyncDisposable
{
    private const int LoadPageSize = 1000;

    // How far back before a checkpoint the log is read to rebuild the OT text history (RecallTextHistoryAsync).
    private const int RecalledTextChanges = 4000;

    private readonly Channel<AuthorityCommand> _inbox;
    private readonly IChangeStore _store;
    private readonly GroupCommitter _committer;
    private readonly ConvergeServerOptions _options;
    private readonly ILogger _logger;
    private readonly Action<DocumentAuthority> _onFaulted;
    private readonly Observability.ConvergeServerMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly HashSet<ServerSession> _subscribers = [];
    private readonly Dictionary<string, ClientProgress> _clients = new(StringComparer.Ordinal);
    private readonly CommitGroup _group = new();
    private readonly TextHistory _texts;
    private readonly Task _loop;
    private readonly ConvergeStorageOptions _storage;
    private readonly Lock _post = new();
    private readonly ITimer _ticker;

    // Durable checkpoints not yet old enough to truncate behind: (head, when written).
    private readonly Queue<(long Head, long WrittenAt)> _agingCheckpoints = new();
    private Task<long?>? _background;
    private long _checkpointHead;
    private long _checkpointStartedAt;
    private long _truncatableThrough;

    // Changes at or below this may be gone from the log: a cursor below it resumes by snapshot, not replay.
    private long _truncatedThrough;
    private long _lastActivity;
    private bool _passivated;
    private JsonMap _state = JsonMap.Empty;

    // The state with the open commit group applied: validators judge each change against everything accepted before it.
    private JsonMap _groupState = JsonMap.Empty;

    // The document's size as MaxDocumentBytes counts it (UTF-8 keys + JSON values), kept up to date per change.
    private long _bytes;
    private long _groupBytes;
    private long _head;

    public DocumentAuthority(string documentId, IChangeStore store, GroupCommitter committer, ConvergeServerOptions options, Observability.ConvergeServerMetrics metrics,
        TimeProvider time, ILogger logger, Action<DocumentAuthority> onFaulted)
    {
        _metrics = metrics;
        _time = time;
        DocumentId = documentId;
        _store = store;
        _committer = committer;
        _options = options;
        _logger = logger;
        _onFaulted = onFaulted;
        _storage = options.Storage;
        _lastActivity = time.GetTimestamp();
        _checkpointStartedAt = _lastActivity;
        _inbox = Channel.CreateBounded<AuthorityCommand>(new BoundedChannelOptions(options.AuthorityQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _texts = new TextHistory(options.MaxTextHistory);
        // Often enough that every time-based duty (timed checkpoint, retention, passivation) is done within half its time.
        var shortest = Math.Min(_storage.CheckpointInterval.Ticks, _storage.PassivateAfter.Ticks);
        if (_storage.LogRetention > TimeSpan.Zero)
        {
            shortest = Math.Min(shortest, _storage.LogRetention.Ticks);
        }

        var tick = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, shortest / 2));
        _ticker = time.CreateTimer(static state => ((DocumentAuthority)state!).TryPostTick(), this, tick, tick);
        _loop = Task.Run(RunAsync);
    }

    public string DocumentId { get; }

    /// <summary>Commands waiting at this authority (a queue depth for the metrics).</summary>
    public int QueueDepth => _inbox.Reader.Count;

    /// <summary>The head the latest durable checkpoint is at (0 before the first).</summary>
    public long CheckpointHead => Volatile.Read(ref _checkpointHead);

    /// <summary>Completes when the authority has stopped (disposed, faulted or passivated).</summary>
    public Task Completion => _loop;

    /// <summary>
    /// Queues a command, waiting while the inbox is full (backpressure). Returns <see langword="false"/> when the
    /// authority has passivated: it is no longer the document's authority, so ask the registry for the current one.
    /// Use <see cref="AuthorityRegistry.SendAsync"/>, which does.
    /// </summary>
    /// <exception cref="ChannelClosedException">The authority is shutting down or failed to load.</exception>
    public async ValueTask<bool> TryPostAsync(AuthorityCommand command, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Under the lock, so that passivation (which checks the inbox is empty under it) never strands a command.
            lock (_post)
            {
                if (_passivated)
                {
                    return false;
                }

                if (_inbox.Writer.TryWrite(command))
                {
                    return true;
                }
            }

            if (!await _inbox.Writer.WaitToWriteAsync(cancellationToken).ConfigureAwait(false))
            {
                lock (_post)
                {
                    if (_passivated)
                    {
                        return false;
                    }
                }

                throw new ChannelClosedException();
            }
        }
    }

    /// <summary>Stops taking commands, finishes (and commits) those already queued, writes a checkpoint if due, and stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _inbox.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private void TryPostTick()
    {
        lock (_post)
        {
            if (!_passivated)
            {
                _inbox.Writer.TryWrite(AuthorityCommand.Tick.Instance);
            }
        }
    }

    private async Task RunAsync()
    {
        try
        {
            await LoadAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.LoadFailed(_logger, ex, DocumentId);
            await _ticker.DisposeAsync().ConfigureAwait(false);
            _onFaulted(this);
            _inbox.Writer.TryComplete();
            await foreach (var command in _inbox.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                command.Session?.Fail(ErrorCodes.InternalError, $"Document '{DocumentId}' could not be loaded; retry later.");
            }

            return;
        }

        try
        {
            var reader = _inbox.Reader;
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                // Drain what is already queued into one group: many concurrent pushes share one fsync (and GroupCommitter
                // shares that with other documents' groups).
                var ticked = false;
                while (_group.Changes.Count < _options.MaxChangesPerCommit && reader.TryRead(out var command))
                {
                    if (command is AuthorityCommand.Tick)
                    {
                        ticked = true;
                        continue;
                    }

                    _lastActivity = _time.GetTimestamp();
                    try
                    {
                        await HandleAsync(command).ConfigureAwait(false);
                    }
                    catch (Exception ex)
                    {
                        Log.CommandFailed(_logger, ex, DocumentId, command.GetType().Name);
                        command.Session?.Fail(ErrorCodes.InternalError, "The server failed to handle a request; reconnect and retry.");
                    }
                }

                await CommitAsync().ConfigureAwait(false);
                MaintainLog();
                if (ticked && IsIdle && await TryPassivateAsync().ConfigureAwait(false))
                {
                    return;
                }
            }

            // Shutting down: leave a checkpoint behind so that the next start loads fast.
            await FinishBackgroundAsync().ConfigureAwait(false);
            if (_head > _checkpointHead)
            {
                StartCheckpoint();
                await FinishBackgroundAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            await _ticker.DisposeAsync().ConfigureAwait(false);
        }
    }

    private bool IsIdle => _subscribers.Count == 0 && _group.IsEmpty && _time.GetElapsedTime(_lastActivity) >= _storage.PassivateAfter;

    // Runs on the reader after every commit and tick: picks up a finished background write, then starts the next one
    // that is due. At most one runs at a time, so the store sees one background writer per document.
    private void MaintainLog()
    {
        if (_background is { IsCompleted: true })
        {
            Harvest();
        }

        if (_background is not null)
        {
            return;
        }

        if (_head > _checkpointHead
            && (_head - _checkpointHead >= _storage.CheckpointEveryChanges || _time.GetElapsedTime(_checkpointStartedAt) >= _storage.CheckpointInterval))
        {
            StartCheckpoint();
            return;
        }

        if (_storage.LogRetention != Timeout.InfiniteTimeSpan)
        {
            while (_agingCheckpoints.TryPeek(out var aging) && _time.GetElapsedTime(aging.WrittenAt) >= _storage.LogRetention)
            {
                _truncatableThrough = aging.Head;
                _agingCheckpoints.Dequeue();
            }
        }

        var target = Math.Min(_truncatableThrough, _head - _storage.RetainedChanges);
        if (target > _truncatedThrough)
        {
            // Raised before the delete starts: from now on a cursor below it gets a snapshot, never a torn replay.
            _truncatedThrough = target;
            _background = TruncateAsync(target);
        }
    }

    private void StartCheckpoint()
    {
        _checkpointStartedAt = _time.GetTimestamp();
        var clients = _clients.Select(static c => new CheckpointClient(c.Key, c.Value.LastClientSeq, c.Value.LastSequence)).ToArray();
        _background = WriteCheckpointAsync(_head, _state, clients);
    }

    // Off the reader: the state is immutable, so serializing and writing it races with nothing.
    private async Task<long?> WriteCheckpointAsync(long head, JsonMap state, CheckpointClient[] clients)
    {
        await Task.Yield();
        try
        {
            var started = _time.GetTimestamp();
            await _store.WriteCheckpointAsync(DocumentId, new DocumentCheckpoint(head, state.ToOperations(), clients), CancellationToken.None).ConfigureAwait(false);
            var elapsed = _time.GetElapsedTime(started);
            _metrics.Checkpointed(elapsed);
            Log.Checkpointed(_logger, DocumentId, head, elapsed.TotalMilliseconds);
            return head;
        }
        catch (Exception ex)
        {
            // Nothing is lost: the log still holds every change; the next trigger tries again.
            Log.CheckpointFailed(_logger, ex, DocumentId, head);
            return null;
        }
    }

    private async Task<long?> TruncateAsync(long through)
    {
        await Task.Yield();
        try
        {
            var deleted = await _store.TruncateAsync(DocumentId, through, CancellationToken.None).ConfigureAwait(false);
            _metrics.Truncated(deleted);
            Log.Truncated(_logger, DocumentId, deleted, through);
        }
        catch (Exception ex)
        {
            // Harmless: the changes stay in the log; the next truncation deletes them with the rest.
            Log.TruncationFailed(_logger, ex, DocumentId, through);
        }

        return null;
    }

    private void Harvest()
    {
        var written = _background!.Result;
        _background = null;
        if (written is { } head && head > _checkpointHead)
        {
            Volatile.Write(ref _checkpointHead, head);
            _agingCheckpoints.Enqueue((head, _time.GetTimestamp()));
        }
    }

    private async Task FinishBackgroundAsync()
    {
        if (_background is not null)
        {
            await _background.ConfigureAwait(false);
            Harvest();
        }
    }

    // Idle: checkpoint what is not yet, then leave — unless a command slipped in meanwhile. The check and the flag are
    // under the posting lock, and the registry forgets this authority before the lock is released, so every later
    // command reaches a fresh authority, which loads only what this one has made durable.
    private async ValueTask<bool> TryPassivateAsync()
    {
        await FinishBackgroundAsync().ConfigureAwait(false);
        if (_head > _checkpointHead)
        {
            StartCheckpoint();
            await FinishBackgroundAsync().ConfigureAwait(false);
            if (_head > _checkpointHead)
            {
                return false;
            }
        }

        lock (_post)
        {
            if (_inbox.Reader.Count > 0)
            {
                return false;
            }

            _passivated = true;
            _onFaulted(this);
        }

        _inbox.Writer.TryComplete();
        _metrics.Passivated();
        Log.Passivated(_logger, DocumentId, _head);
        return true;
    }

    private async Task LoadAsync()
    {
        var state = JsonMap.Empty;
        long head = 0;
        if (await _store.ReadCheckpointAsync(DocumentId, CancellationToken.None).ConfigureAwait(false) is { } checkpoint)
        {
            state = state.Apply(checkpoint.State);
            head = checkpoint.Sequence;
            foreach (var client in checkpoint.Clients)
            {
                _clients[client.ClientId] = new ClientProgress(client.LastClientSeq, client.LastSequence);
            }

            _checkpointHead = head;
            _agingCheckpoints.Enqueue((head, _time.GetTimestamp()));
        }

        // Recovery is the checkpoint plus the log after it, never the whole log.
        var checkpointHead = head;
        if (checkpointHead > 0)
        {
            await RecallTextHistoryAsync(checkpointHead, state).ConfigureAwait(false);
        }

        while (true)
        {
            var page = await _store.ReadAsync(DocumentId, head, LoadPageSize, CancellationToken.None).ConfigureAwait(false);
            if (page.Count == 0)
            {
                break;
            }

            foreach (var change in page)
            {
                if (change.Sequence != head + 1)
                {
                    throw new InvalidDataException($"The log of '{DocumentId}' jumps from sequence {head} to {change.Sequence}.");
                }

                state = _texts.Replay(state, change.ClientId, change.ClientSeq, change.Operations);
                _clients[change.ClientId] = new ClientProgress(change.ClientSeq, change.Sequence);
                head = change.Sequence;
            }
        }

        _state = state;
        _bytes = state.Keys.Sum(key => EntryBytes(state, key));
        _head = head;
        var first = await _store.ReadAsync(DocumentId, 0, 1, CancellationToken.None).ConfigureAwait(false);
        _truncatedThrough = first.Count > 0 ? Math.Min(first[0].Sequence - 1, checkpointHead) : checkpointHead;
        Log.Loaded(_logger, DocumentId, head, checkpointHead, head - checkpointHead);
    }

    // A checkpoint holds the texts but not the edits that made them: without those, an edit based on a revision just
    // before the checkpoint (a client offline across a restart or a passivation) could not be transformed and would
    // be refused. The retained log before the checkpoint still has them in their server form, so the recent ones are
    // recalled from there (the last RecalledTextChanges changes at most: loading stays cheap).
    private async Task RecallTextHistoryAsync(long checkpointHead, JsonMap checkpointState)
    {
        var after = Math.Max(0, checkpointHead - RecalledTextChanges);
        while (after < checkpointHead)
        {
            var page = await _store.ReadAsync(DocumentId, after, (int)Math.Min(LoadPageSize, checkpointHead - after), CancellationToken.None).ConfigureAwait(false);
            foreach (var change in page)
            {
                if (change.Sequence <= checkpointHead)
                {
                    _texts.Recall(change.ClientId, change.ClientSeq, change.Operations);
                }
            }

            if (page.Count == 0 || page[^1].Sequence >= checkpointHead)
            {
                break;
            }

            after = page[^1].Sequence;
        }

        _texts.Align(checkpointState);
    }

    private ValueTask HandleAsync(AuthorityCommand command) => command switch
    {
        AuthorityCommand.Subscribe subscribe => SubscribeCoreAsync(subscribe.Session!, subscribe.Since),
        AuthorityCommand.Unsubscribe unsubscribe => Unsubscribe(unsubscribe.Session!),
        AuthorityCommand.Push push => AcceptAsync(push.Session!, push.Frame),
        AuthorityCommand.Tick => ValueTask.CompletedTask,
        _ => throw new InvalidOperationException($"Unknown command {command.GetType().Name}."),
    };

    private ValueTask Unsubscribe(ServerSession session)
    {
        _subscribers.Remove(session);
        return ValueTask.CompletedTask;
    }

    // Replay covers everything committed; changes still in the open group reach the new subscriber by fan-out
    // at commit. Both happen on this one reader, so the stream the session sees is contiguous.
    private async ValueTask SubscribeCoreAsync(ServerSession session, long since)
    {
        // A cursor behind the truncated log resumes by snapshot (at the head: the checkpoint plus the tail, applied).
        if (since == 0 || since > _head || since < _truncatedThrough)
        {
            if (since > _head)
            {
                Log.CursorAhead(_logger, DocumentId, session.SessionId, since, _head);
            }

            if (!EnqueueSnapshot(session))
            {
                return;
            }
        }
        else
        {
            var cursor = since;
            while (cursor < _head)
            {
                var page = await _store.ReadAsync(DocumentId, cursor, _options.MaxChangesPerFrame, CancellationToken.None).ConfigureAwait(false);
                if (page.Count == 0 || page[0].Sequence != cursor + 1)
                {
                    // The log ends before the head it was loaded at: never leave the client waiting for 'subscribed'.
                    Log.ReplayShort(_logger, DocumentId, cursor, _head);
                    session.Fail(ErrorCodes.InternalError, $"Document '{DocumentId}' could not be replayed; retry later.");
                    return;
                }

                if (!session.TryEnqueue(new ChangesFrame(DocumentId, page)))
                {
                    return;
                }

                cursor = page[^1].Sequence;
            }
        }

        if (session.TryEnqueue(new SubscribedFrame(DocumentId, _head)))
        {
            _subscribers.Add(session);
        }
    }

    private async ValueTask AcceptAsync(ServerSession session, PushFrame push)
    {
        foreach (var change in push.Changes)
        {
            if (!string.Equals(change.ClientId, session.ClientId, StringComparison.Ordinal))
            {
                _metrics.Rejected(ErrorCodes.InvalidChange);
                _group.Answer(session, new RejectFrame(DocumentId, change.ClientSeq, ErrorCodes.InvalidChange,
                    "A change's clientId must be the client id this session said hello with."));
                continue;
            }

            var known = _clients.TryGetValue(change.ClientId, out var progress);
            if (known && change.ClientSeq <= progress.LastClientSeq)
            {
                await AnswerDuplicateAsync(session, change, progress).ConfigureAwait(false);
                continue;
            }

            var prospective = _group.Changes.Count == 0 ? _state : _groupState;
            var prospectiveBytes = _group.Changes.Count == 0 ? _bytes : _groupBytes;
            if (EditText.CheckOnePerText(change.Operations) is { } twice)
            {
                _metrics.Rejected(ErrorCodes.InvalidChange);
                _group.Answer(session, new RejectFrame(DocumentId, change.ClientSeq, ErrorCodes.InvalidChange, twice));
                continue;
            }

            var rebased = _texts.Rebase(change, prospective, out var textProblem);
            if (rebased is null)
            {
                _metrics.Rejected(ErrorCodes.StaleChange);
                _group.Answer(session, new RejectFrame(DocumentId, change.ClientSeq, ErrorCodes.StaleChange, textProblem!));
                continue;
            }

            var operations = rebased.Value.Operations;
            var next = rebased.Value.State;
            var nextBytes = prospectiveBytes + operations.Select(static o => o.Key).Distinct(StringComparer.Ordinal)
                .Sum(key => EntryBytes(next, key) - EntryBytes(prospective, key));
            if (nextBytes > _options.MaxDocumentBytes && nextBytes > prospectiveBytes)
            {
                _texts.Forget(prospective);
                _metrics.Rejected(ErrorCodes.DocumentTooLarge);
                _group.Answer(session, new RejectFrame(DocumentId, change.ClientSeq, ErrorCodes.DocumentTooLarge,
                    $"The change would grow document '{DocumentId}' to {nextBytes} bytes; the limit is {_options.MaxDocumentBytes}."));
                continue;
            }

            if (await RefusalAsync(session, change with { Operations = operations }, prospective).ConfigureAwait(false) is { } refusal)
            {
                _texts.Forget(prospective);
                _metrics.Rejected(ErrorCodes.ValidationFailed);
                Log.ValidationFailed(_logger, DocumentId, change.ClientId, change.ClientSeq, refusal);
                _group.Answer(session, new RejectFrame(DocumentId, change.ClientSeq, ErrorCodes.ValidationFailed, refusal));
                continue;
            }

            var sequence = _head + _group.Changes.Count + 1;
            _group.Accept(session, new ServerChange(sequence, change.ClientId, change.ClientSeq, operations), known ? progress : null);
            _groupState = next;
            _groupBytes = nextBytes;
            _clients[change.ClientId] = new ClientProgress(change.ClientSeq, sequence);
        }
    }

    // The idempotency rule: a key the authority has seen gets its original answer back and is never applied again.
    private async ValueTask AnswerDuplicateAsync(ServerSession session, ClientChange change, ClientProgress progress)
    {
        var sequence = change.ClientSeq == progress.LastClientSeq
            ? progress.LastSequence
            : _group.FindSequence(change.ClientId, change.ClientSeq)
              ?? await _store.FindSequenceAsync(DocumentId, change.ClientId, change.ClientSeq, CancellationToken.None).ConfigureAwait(false);
        if (sequence is null && _truncatedThrough > 0)
        {
            // Below the client's highest key (kept by the checkpoint) and not in the retained log: its key was truncated,
            // so it was seen. Its exact sequence is gone; one at or after it, and at or below the snapshot this client got
            // when it resumed from behind the truncation, tells the client the change is in its state. Never applied twice.
            // (A change that was rejected, lost its reject and is re-pushed after truncation is acknowledged too: the
            // client's state still matches the server's, only that receipt is wrong; docs/storage.md.)
            sequence = Math.Min(progress.LastSequence, _truncatedThrough);
            Log.TruncatedDuplicate(_logger, DocumentId, change.ClientId, change.ClientSeq, sequence.Value);
        }

        Log.Duplicate(_logger, DocumentId, change.ClientId, change.ClientSeq, sequence ?? 0);
        if (sequence is null)
        {
            _metrics.Rejected(ErrorCodes.StaleChange);
        }

        _group.Answer(session, sequence is { } original
            ? new AckFrame(DocumentId, change.ClientSeq, original)
            : new RejectFrame(DocumentId, change.ClientSeq, ErrorCodes.StaleChange,
                $"Client sequence {change.ClientSeq} is below this client's last accepted one ({progress.LastClientSeq}) and was never accepted."));
    }

    private async Task CommitAsync()
    {
        if (_group.IsEmpty)
        {
            return;
        }

        try
        {
            if (_group.Changes.Count > 0)
            {
                try
                {
                    var started = _time.GetTimestamp();
                    // Shares one transaction with other documents' groups committing now; returns once ours is durable.
                    await _committer.AppendAsync(DocumentId, _group.Changes).ConfigureAwait(false);
                    _metrics.Committed(_time.GetElapsedTime(started));
                    _metrics.ChangesAccepted(_group.Changes.Count);
                }
                catch (Exception ex)
                {
                    Log.CommitFailed(_logger, ex, DocumentId, _group.Changes.Count);
                    RollBackGroup();
                    return;
                }

                _state = _groupState;
                _bytes = _groupBytes;

                _head = _group.Changes[^1].Sequence;
            }

            var delivering = _time.GetTimestamp();
            Deliver();
            _metrics.FannedOut(_time.GetElapsedTime(delivering));
        }
        finally
        {
            foreach (var entry in _group.Entries)
            {
                entry.Session.ChangesAnswered(1);
            }

            _group.Clear();
        }
    }

    // Nothing was acknowledged, so the pushers still hold these changes: close them resumably and they re-push.
    private static long EntryBytes(JsonMap state, string key) =>
        state.TryGetValue(key, out var value) ? System.Text.Encoding.UTF8.GetByteCount(key) + System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(value).Length : 0;

    // A large document goes in parts of about SnapshotPartBytes, so no frame nears a peer's limit; the client shows none
    // of it until the last part is in.
    private bool EnqueueSnapshot(ServerSession session)
    {
        var operations = _state.ToOperations();
        // Tells the client which of its own changes the state already holds, so it stops showing them twice. The state
        // is the committed one: the client's changes in the open group (a push drained with this subscribe) are not in
        // it, and they come after it by fan-out; saying nothing would make the client show the committed ones twice.
        var clientSeq = session.ClientId is { } clientId ? _group.CommittedProgress(clientId, _clients)?.LastClientSeq : null;
        var parts = FrameParts.Split(operations, static op => OperationJson.Serialize([op]).Length, int.MaxValue, _options.SnapshotPartBytes).ToList();
        if (parts.Count <= 1)
        {
            return session.TryEnqueue(new SnapshotFrame(DocumentId, _head, operations, ClientSeq: clientSeq));
        }

        long offset = 0;
        foreach (var part in parts)
        {
            if (!session.TryEnqueue(new SnapshotFrame(DocumentId, _head, part, offset, operations.Count, clientSeq)))
            {
                return false;
            }

            offset += part.Length;
        }

        return true;
    }

    private async ValueTask<string?> RefusalAsync(ServerSession session, ClientChange change, JsonMap state)
    {
        if (_options.Validators.Count == 0)
        {
            return null;
        }

        var context = new Validation.ChangeValidationContext(DocumentId, change.ClientId, session.User, state, change.Operations);
        foreach (var validator in _options.Validators)
        {
            string? refusal;
            try
            {
                refusal = await validator.ValidateAsync(context, session.Closing).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A throwing validator refuses: accepting what the app could not check would be worse.
                Log.ValidatorFailed(_logger, ex, DocumentId, validator.GetType().Name);
                return "The server could not validate this change.";
            }

            if (refusal is not null)
            {
                return refusal;
            }
        }

        return null;
    }

    private void RollBackGroup()
    {
        _texts.Forget(_state);
        foreach (var (clientId, previous) in _group.UndoLog)
        {
            if (previous is { } restored)
            {
                _clients[clientId] = restored;
            }
            else
            {
                _clients.Remove(clientId);
            }
        }

        foreach (var session in _group.Entries.Select(static e => e.Session).Distinct())
        {
            session.Fail(ErrorCodes.InternalError, "The server could not persist your changes; reconnect and push them again.");
        }
    }

    private void Deliver()
    {
        var origins = _group.Entries.Select(static e => e.Session).ToHashSet();
        var shared = Chunk(_group.Changes);
        if (_subscribers.Count - origins.Count > 1)
        {
            foreach (var frame in shared)
            {
                SharedFrameEncoding.MarkShared(frame);
            }
        }

        List<ServerSession>? dropped = null;
        foreach (var subscriber in _subscribers)
        {
            if (origins.Contains(subscriber))
            {
                continue;
            }

            foreach (var frame in shared)
            {
                if (!subscriber.TryEnqueue(frame))
                {
                    (dropped ??= []).Add(subscriber);
                    break;
                }
            }
        }

        foreach (var origin in origins)
        {
            DeliverInterleaved(origin, _subscribers.Contains(origin));
        }

        foreach (var session in dropped ?? [])
        {
            _subscribers.Remove(session);
        }
    }

    // A session that pushed gets acks for its own changes and everyone else's changes, interleaved in sequence
    // order, so that it can apply the stream strictly in order.
    private void DeliverInterleaved(ServerSession session, bool subscribed)
    {
        List<ServerChange>? run = null;
        foreach (var entry in _group.Entries)
        {
            if (entry.Change is { } change && entry.Session != session)
            {
                if (subscribed)
                {
                    (run ??= []).Add(change);
                }

                continue;
            }

            if (entry.Session != session)
            {
                continue;
            }

            if (run is not null && !EnqueueAll(session, Chunk(run)))
            {
                return;
            }

            run = null;
            // Text edits may have been transformed: the author must apply them as the server did, not as it sent them.
            var answer = entry.Answer ?? new AckFrame(DocumentId, entry.Change!.ClientSeq, entry.Change.Sequence,
                entry.Change.Operations.Any(static o => o is EditText) ? entry.Change.Operations : null);
            if (!session.TryEnqueue(answer))
            {
                return;
            }
        }

        if (run is not null)
        {
            EnqueueAll(session, Chunk(run));
        }
    }

    private static bool EnqueueAll(ServerSession session, IEnumerable<Frame> frames)
    {
        foreach (var frame in frames)
        {
            if (!session.TryEnqueue(frame))
            {
                return false;
            }
        }

        return true;
    }

    private List<Frame> Chunk(IReadOnlyList<ServerChange> changes)
    {
        var frames = new List<Frame>();
        for (var offset = 0; offset < changes.Count; offset += _options.MaxChangesPerFrame)
        {
            var count = Math.Min(_options.MaxChangesPerFrame, changes.Count - offset);
            frames.Add(new ChangesFrame(DocumentId, changes.Skip(offset).Take(count).ToArray()));
        }

        return frames;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 20, EventName = "AuthorityLoaded", Level = LogLevel.Debug, Message = "Document {DocumentId} loaded at sequence {Head} (checkpoint {CheckpointHead} + {TailCount} change(s) of log tail).")]
        public static partial void Loaded(ILogger logger, string documentId, long head, long checkpointHead, long tailCount);

        [LoggerMessage(EventId = 29, EventName = "AuthorityCheckpointed", Level = LogLevel.Debug, Message = "Document {DocumentId}: checkpoint at {Head} written in {Milliseconds:0.0} ms.")]
        public static partial void Checkpointed(ILogger logger, string documentId, long head, double milliseconds);

        [LoggerMessage(EventId = 30, EventName = "AuthorityCheckpointFailed", Level = LogLevel.Warning, Message = "Document {DocumentId}: writing the checkpoint at {Head} failed; the log keeps everything, retrying later.")]
        public static partial void CheckpointFailed(ILogger logger, Exception exception, string documentId, long head);

        [LoggerMessage(EventId = 31, EventName = "AuthorityLogTruncated", Level = LogLevel.Debug, Message = "Document {DocumentId}: {Count} change(s) truncated from the log, through {Through}.")]
        public static partial void Truncated(ILogger logger, string documentId, long count, long through);

        [LoggerMessage(EventId = 32, EventName = "AuthorityTruncationFailed", Level = LogLevel.Warning, Message = "Document {DocumentId}: truncating the log through {Through} failed; retrying later.")]
        public static partial void TruncationFailed(ILogger logger, Exception exception, string documentId, long through);

        [LoggerMessage(EventId = 33, EventName = "AuthorityPassivated", Level = LogLevel.Debug, Message = "Document {DocumentId}: idle, checkpointed at {Head} and removed from memory.")]
        public static partial void Passivated(ILogger logger, string documentId, long head);

        [LoggerMessage(EventId = 34, EventName = "AuthorityTruncatedDuplicate", Level = LogLevel.Information, Message = "Document {DocumentId}: change ({ClientId}, {ClientSeq}) is below the client's checkpointed progress and its key was truncated; acknowledging it as seen at {Sequence}.")]
        public static partial void TruncatedDuplicate(ILogger logger, string documentId, string clientId, long clientSeq, long sequence);

        [LoggerMessage(EventId = 21, EventName = "AuthorityLoadFailed", Level = LogLevel.Error, Message = "Document {DocumentId} could not be loaded.")]
        public static partial void LoadFailed(ILogger logger, Exception exception, string documentId);

        [LoggerMessage(EventId = 22, EventName = "AuthorityCommitFailed", Level = LogLevel.Error, Message = "Document {DocumentId}: committing {Count} change(s) failed; nothing was acknowledged.")]
        public static partial void CommitFailed(ILogger logger, Exception exception, string documentId, int count);

        [LoggerMessage(EventId = 23, EventName = "AuthorityCommandFailed", Level = LogLevel.Error, Message = "Document {DocumentId}: handling {Command} failed.")]
        public static partial void CommandFailed(ILogger logger, Exception exception, string documentId, string command);

        [LoggerMessage(EventId = 24, EventName = "AuthorityDuplicateChange", Level = LogLevel.Debug, Message = "Document {DocumentId}: change ({ClientId}, {ClientSeq}) seen before (sequence {Sequence}); answering, not applying.")]
        public static partial void Duplicate(ILogger logger, string documentId, string clientId, long clientSeq, long sequence);

        [LoggerMessage(EventId = 26, EventName = "AuthorityReplayShort", Level = LogLevel.Error, Message = "Document {DocumentId}: the log ends at {Cursor}, before the head {Head}.")]
        public static partial void ReplayShort(ILogger logger, string documentId, long cursor, long head);

        [LoggerMessage(EventId = 27, EventName = "AuthorityValidationFailed", Level = LogLevel.Information, Message = "Document {DocumentId}: change ({ClientId}, {ClientSeq}) refused by a validator: {Reason}")]
        public static partial void ValidationFailed(ILogger logger, string documentId, string clientId, long clientSeq, string reason);

        [LoggerMessage(EventId = 28, EventName = "AuthorityValidatorFailed", Level = LogLevel.Error, Message = "Document {DocumentId}: validator {Validator} threw; the change is refused.")]
        public static partial void ValidatorFailed(ILogger logger, Exception exception, string documentId, string validator);

        [LoggerMessage(EventId = 25, EventName = "AuthorityCursorAhead", Level = LogLevel.Warning, Message = "Document {DocumentId}: session {SessionId} resumes from {Since}, past the head {Head}; sending a snapshot.")]
        public static partial void CursorAhead(ILogger logger, string documentId, string sessionId, long since, long head);
    }
}
