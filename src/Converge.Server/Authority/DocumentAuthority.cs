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
internal sealed partial class DocumentAuthority : IAsyncDisposable
{
    private const int LoadPageSize = 1000;

    private readonly Channel<AuthorityCommand> _inbox;
    private readonly IChangeStore _store;
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
    private JsonMap _state = JsonMap.Empty;

    // The state with the open commit group applied: validators judge each change against everything accepted before it.
    private JsonMap _groupState = JsonMap.Empty;

    // The document's size as MaxDocumentBytes counts it (UTF-8 keys + JSON values), kept up to date per change.
    private long _bytes;
    private long _groupBytes;
    private long _head;

    public DocumentAuthority(string documentId, IChangeStore store, ConvergeServerOptions options, Observability.ConvergeServerMetrics metrics,
        TimeProvider time, ILogger logger, Action<DocumentAuthority> onFaulted)
    {
        _metrics = metrics;
        _time = time;
        DocumentId = documentId;
        _store = store;
        _options = options;
        _logger = logger;
        _onFaulted = onFaulted;
        _inbox = Channel.CreateBounded<AuthorityCommand>(new BoundedChannelOptions(options.AuthorityQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _texts = new TextHistory(options.MaxTextHistory);
        _loop = Task.Run(RunAsync);
    }

    public string DocumentId { get; }

    /// <summary>Commands waiting at this authority (a queue depth for the metrics).</summary>
    public int QueueDepth => _inbox.Reader.Count;

    public ValueTask SubscribeAsync(ServerSession session, long since, CancellationToken cancellationToken) =>
        _inbox.Writer.WriteAsync(new AuthorityCommand.Subscribe(session, since), cancellationToken);

    public ValueTask UnsubscribeAsync(ServerSession session, CancellationToken cancellationToken) =>
        _inbox.Writer.WriteAsync(new AuthorityCommand.Unsubscribe(session), cancellationToken);

    public ValueTask PushAsync(ServerSession session, PushFrame frame, CancellationToken cancellationToken) =>
        _inbox.Writer.WriteAsync(new AuthorityCommand.Push(session, frame), cancellationToken);

    /// <summary>Stops taking commands, finishes (and commits) those already queued, and stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _inbox.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
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
            _onFaulted(this);
            _inbox.Writer.TryComplete();
            await foreach (var command in _inbox.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                command.Session.Fail(ErrorCodes.InternalError, $"Document '{DocumentId}' could not be loaded; retry later.");
            }

            return;
        }

        var reader = _inbox.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Drain what is already queued into one group: many concurrent pushes share one fsync.
            while (_group.Changes.Count < _options.MaxChangesPerCommit && reader.TryRead(out var command))
            {
                try
                {
                    await HandleAsync(command).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    Log.CommandFailed(_logger, ex, DocumentId, command.GetType().Name);
                    command.Session.Fail(ErrorCodes.InternalError, "The server failed to handle a request; reconnect and retry.");
                }
            }

            await CommitAsync().ConfigureAwait(false);
        }
    }

    private async Task LoadAsync()
    {
        var state = JsonMap.Empty;
        long head = 0;
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
        Log.Loaded(_logger, DocumentId, head);
    }

    private ValueTask HandleAsync(AuthorityCommand command) => command switch
    {
        AuthorityCommand.Subscribe subscribe => SubscribeCoreAsync(subscribe.Session, subscribe.Since),
        AuthorityCommand.Unsubscribe unsubscribe => Unsubscribe(unsubscribe.Session),
        AuthorityCommand.Push push => AcceptAsync(push.Session, push.Frame),
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
        if (since == 0 || since > _head)
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
                if (page.Count == 0)
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
                    await _store.AppendAsync(DocumentId, _group.Changes, CancellationToken.None).ConfigureAwait(false);
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
        // Tells the client which of its own changes the state already holds, so it stops showing them twice.
        var clientSeq = session.ClientId is { } clientId && _clients.TryGetValue(clientId, out var progress) && progress.LastSequence <= _head
            ? progress.LastClientSeq : (long?)null;
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
        [LoggerMessage(EventId = 20, EventName = "AuthorityLoaded", Level = LogLevel.Debug, Message = "Document {DocumentId} loaded at sequence {Head}.")]
        public static partial void Loaded(ILogger logger, string documentId, long head);

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
