using System.Text.Json;
using Converge.Protocol;
using Converge.Protocol.Frames;
using Microsoft.Extensions.Logging;

namespace Converge.Client.Presence;

/// <summary>
/// This client's presence in one document, and everyone else's as it hears it: from
/// <see cref="ConvergeClient.JoinPresenceAsync"/> until disposed. Presence is ephemeral and never stored: the set of
/// present users with their connections, each user's metadata, cursors and selections, typing indicators.
/// </summary>
/// <remarks>
/// It survives reconnects: on every new connection it announces itself again with the same connection id (the client
/// id), and the server resumes its entry, so a gap shorter than the server's presence timeout shows no leave and no
/// join to anyone. Cursor updates are throttled to <see cref="PresenceOptions.CursorUpdatesPerSecond"/>, latest wins.
/// Thread-safe; <see cref="Changed"/> is raised in order, on the thread that received the change (the connection's
/// receive loop), and an exception in a handler is logged and does not stop presence.
/// </remarks>
public sealed partial class PresenceHandle : IAsyncDisposable
{
    private static readonly PresenceCursor NoCursor = new();

    // A Monitor rather than System.Threading.Lock: event handlers may call back into the handle.
    private readonly object _gate = new();
    private readonly IPresenceLink _link;
    private readonly PresenceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action<PresenceHandle> _forget;
    private readonly CursorThrottle _cursorThrottle;
    private readonly TaskCompletionSource _joined = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Dictionary<string, PresenceUser> _users = new(StringComparer.Ordinal);
    private PresenceState _state = PresenceState.Empty;
    private JsonElement _metadata;
    private PresenceCursor? _cursor;
    private bool _typing;
    private long? _typingSentAt;
    private long? _rejoinedAt;
    private bool _refused;
    private bool _disposed;
    private PresenceRejectedException? _rejection;

    internal PresenceHandle(string documentId, string connectionId, JsonElement metadata, IPresenceLink link, PresenceOptions options, TimeProvider time,
        ILogger logger, Action<PresenceHandle> forget)
    {
        DocumentId = documentId;
        ConnectionId = connectionId;
        _metadata = metadata;
        _link = link;
        _options = options;
        _time = time;
        _logger = logger;
        _forget = forget;
        _cursorThrottle = new CursorThrottle(time, options.CursorInterval, SendCursor);
    }

    /// <summary>Raised once per change of <see cref="State"/>. See the class remarks for threading.</summary>
    public event EventHandler<PresenceChangedEventArgs>? Changed;

    /// <summary>The document.</summary>
    public string DocumentId { get; }

    /// <summary>This connection's id in the document's presence: the client's <see cref="ConvergeClient.ClientId"/>.</summary>
    public string ConnectionId { get; }

    /// <summary>Who is present, as last heard (kept while disconnected, and reconciled on reconnect).</summary>
    public PresenceState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>
    /// The server's last refusal after joining, if any: an update it found too large, or — after a reconnect — that read
    /// access is gone (<c>forbidden</c>; the handle then shows no one and stays out until disposed).
    /// </summary>
    public PresenceRejectedException? Rejection
    {
        get
        {
            lock (_gate)
            {
                return _rejection;
            }
        }
    }

    internal Task Joined => _joined.Task;

    /// <summary>Replaces this user's metadata (every connection of the user shows the newest). Sent at once when connected.</summary>
    /// <param name="metadata">A JSON object: name, colour, avatar…</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="ArgumentException">The metadata is not a JSON object, or nests too deep.</exception>
    /// <exception cref="PresenceRejectedException">The metadata is larger than <see cref="PresenceOptions.MaxMetadataBytes"/> (<c>presence_too_large</c>).</exception>
    public ValueTask UpdateAsync(JsonElement metadata, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        metadata = PresenceHandles.CheckMetadata(DocumentId, metadata, _options);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _metadata = metadata;
            if (!_refused)
            {
                _link.TrySend(new PresenceUpdateFrame(DocumentId, Metadata: metadata));
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Sets where this connection points. Throttled to <see cref="PresenceOptions.CursorUpdatesPerSecond"/>: call it on
    /// every pointer move; calls in between are coalesced and the latest always goes out last.
    /// </summary>
    /// <param name="position">The cursor or pointer (app-defined JSON, e.g. <c>{"x":120,"y":48}</c>), or <see langword="null"/> for none.</param>
    /// <param name="selection">The selection (app-defined JSON), or <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="ArgumentException">A value nests too deep or holds malformed text.</exception>
    public ValueTask SetCursorAsync(JsonElement? position, JsonElement? selection = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var cursor = new PresenceCursor(position?.Clone(), selection?.Clone());
        if (new PresenceUpdateFrame(DocumentId, Cursor: cursor).Validate() is { } problem)
        {
            throw new ArgumentException(problem, position is null ? nameof(selection) : nameof(position));
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
        Volatile.Write(ref _cursor, position is null && selection is null ? null : cursor);
        // Outside _gate: the throttle's timer sends under its own lock, and must never wait for a handler holding ours.
        _cursorThrottle.Request();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Says whether this connection is typing. Call it with <see langword="true"/> on every keystroke: it is repeated to
    /// the server at most every <see cref="PresenceOptions.TypingRefreshInterval"/>, and the indicator expires by itself
    /// (server's typing timeout, 5 s by default) once the calls stop. <see langword="false"/> clears it at once.
    /// </summary>
    /// <param name="isTyping">Whether the user is typing.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public ValueTask SetTypingAsync(bool isTyping, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (isTyping)
            {
                if (!_typing || _typingSentAt is not { } sent || _time.GetElapsedTime(sent) >= _options.TypingRefreshInterval)
                {
                    _typingSentAt = _time.GetTimestamp();
                    Send(new PresenceUpdateFrame(DocumentId, Typing: true));
                }
            }
            else if (_typing)
            {
                _typingSentAt = null;
                Send(new PresenceUpdateFrame(DocumentId, Typing: false));
            }

            _typing = isTyping;
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Leaves: the server removes this connection at once (the user leaves when it was their last one).</summary>
    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return ValueTask.CompletedTask;
            }

            _disposed = true;
            _link.TrySend(new PresenceLeaveFrame(DocumentId));
        }

        _cursorThrottle.Dispose();
        _joined.TrySetException(new ObjectDisposedException(nameof(PresenceHandle)));
        _ = _joined.Task.Exception;
        _forget(this);
        return ValueTask.CompletedTask;
    }

    /// <summary>On every new connection: say who we are again, with the same connection id, metadata and cursor.</summary>
    internal void Announce()
    {
        lock (_gate)
        {
            if (!_disposed && !_refused)
            {
                _link.TrySend(new PresenceJoinFrame(DocumentId, _metadata, Volatile.Read(ref _cursor)));
            }
        }
    }

    /// <summary>The client is stopping on purpose (stop, pause): a goodbye, so others see the leave at once.</summary>
    internal void Goodbye()
    {
        lock (_gate)
        {
            if (!_disposed && !_refused)
            {
                _link.TrySend(new PresenceLeaveFrame(DocumentId));
            }
        }
    }

    internal void OnFrame(Frame frame)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            switch (frame)
            {
                case PresenceSnapshotFrame snapshot:
                    OnSnapshot(snapshot);
                    break;
                case PresenceDiffFrame diff:
                    OnDiff(diff);
                    break;
                case PresenceRejectedFrame rejected:
                    OnRejected(rejected);
                    break;
            }
        }
    }

    // Must hold _gate.
    private void OnSnapshot(PresenceSnapshotFrame snapshot)
    {
        if (_refused)
        {
            return;
        }

        var next = snapshot.Aggregated
            ? new Dictionary<string, PresenceUser>(StringComparer.Ordinal)
            : snapshot.Users.ToDictionary(u => u.UserId, u => new PresenceUser(u, ConnectionId), StringComparer.Ordinal);
        var flip = snapshot.Aggregated != _state.IsAggregated;
        List<PresenceUser> joined = [], left = [], updated = [];
        if (!flip && !snapshot.Aggregated)
        {
            // A snapshot after a reconnect is reconciled with what was shown: only real differences are reported.
            left.AddRange(_users.Values.Where(u => !next.ContainsKey(u.UserId)));
            foreach (var user in next.Values)
            {
                if (!_users.TryGetValue(user.UserId, out var before))
                {
                    joined.Add(user);
                }
                else if (!before.SameAs(user))
                {
                    updated.Add(user);
                }
            }
        }

        var first = !_joined.Task.IsCompleted;
        _users = next;
        var changed = Publish(snapshot.UserCount, snapshot.ConnectionCount, snapshot.Aggregated);
        if (first || flip || changed || joined.Count + left.Count + updated.Count > 0)
        {
            Raise(joined, left, updated);
        }

        // Only after the first snapshot's event: completing first let the joiner's continuation (asynchronous) run
        // ahead of it, so a handler attached right after JoinPresenceAsync saw everyone present "join" once more.
        _joined.TrySetResult();
    }

    // Must hold _gate.
    private void OnDiff(PresenceDiffFrame diff)
    {
        if (_refused)
        {
            return;
        }

        List<PresenceUser> joined = [], left = [], updated = [];
        foreach (var state in diff.Changed)
        {
            var user = new PresenceUser(state, ConnectionId);
            if (_users.TryGetValue(user.UserId, out var before))
            {
                if (!before.SameAs(user))
                {
                    updated.Add(user);
                }
            }
            else
            {
                joined.Add(user);
            }

            _users[user.UserId] = user;
        }

        foreach (var userId in diff.Left)
        {
            if (_users.Remove(userId, out var gone))
            {
                left.Add(gone);
            }
        }

        if (Publish(diff.UserCount, diff.ConnectionCount, _state.IsAggregated) || joined.Count + left.Count + updated.Count > 0)
        {
            Raise(joined, left, updated);
        }
    }

    // Must hold _gate.
    private void OnRejected(PresenceRejectedFrame rejected)
    {
        var exception = new PresenceRejectedException(rejected.Code, rejected.Reason, DocumentId);
        Log.Rejected(_logger, DocumentId, rejected.Code, rejected.Reason);
        if (_joined.TrySetException(exception))
        {
            _ = _joined.Task.Exception;
            _refused = true;
            return;
        }

        _rejection = exception;
        if (rejected.Code == ErrorCodes.NotJoined)
        {
            // The server lost this connection (a race with its own cleanup): join again, but not in a loop.
            if (_rejoinedAt is not { } at || _time.GetElapsedTime(at) > TimeSpan.FromSeconds(1))
            {
                _rejoinedAt = _time.GetTimestamp();
                _link.TrySend(new PresenceJoinFrame(DocumentId, _metadata, Volatile.Read(ref _cursor)));
            }
        }
        else if (rejected.Code == ErrorCodes.Forbidden)
        {
            // Read access is gone (seen when announcing after a reconnect): show no one, and stay out.
            _refused = true;
            var left = _users.Values.ToList();
            _users = new Dictionary<string, PresenceUser>(StringComparer.Ordinal);
            Publish(0, 0, isAggregated: false);
            Raise([], left, []);
        }
    }

    // Must hold _gate. True when the counts or the mode changed.
    private bool Publish(int userCount, int connectionCount, bool isAggregated)
    {
        var before = _state;
        _state = new PresenceState(_users.Values.OrderBy(static u => u.UserId, StringComparer.Ordinal).ToArray(), userCount, connectionCount, isAggregated);
        return before.UserCount != userCount || before.ConnectionCount != connectionCount || before.IsAggregated != isAggregated;
    }

    // Must hold _gate, so that events arrive in the order of the states they carry.
    private void Raise(IReadOnlyList<PresenceUser> joined, IReadOnlyList<PresenceUser> left, IReadOnlyList<PresenceUser> updated)
    {
        try
        {
            Changed?.Invoke(this, new PresenceChangedEventArgs(joined, left, updated, _state));
        }
#pragma warning disable CA1031 // An app's handler must not be able to stop presence.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.HandlerFailed(_logger, ex, DocumentId);
        }
    }

    // Must hold _gate.
    private void Send(Frame frame)
    {
        if (!_refused)
        {
            _link.TrySend(frame);
        }
    }

    // The throttle's sender: the latest cursor, unless the link is still busy with earlier frames (then it waits,
    // still latest-wins). Offline it is done: the next announce carries the cursor.
    private bool SendCursor()
    {
        if (Volatile.Read(ref _disposed) || Volatile.Read(ref _refused))
        {
            return true;
        }

        if (_link.IsBacklogged)
        {
            return false;
        }

        _link.TrySend(new PresenceUpdateFrame(DocumentId, Cursor: Volatile.Read(ref _cursor) ?? NoCursor));
        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 300, EventName = "PresenceRejected", Level = LogLevel.Warning, Message = "Presence in {DocumentId} refused by the server ({Code}): {Reason}")]
        public static partial void Rejected(ILogger logger, string documentId, string code, string reason);

        [LoggerMessage(EventId = 301, EventName = "PresenceHandlerFailed", Level = LogLevel.Error, Message = "A presence Changed handler of {DocumentId} threw.")]
        public static partial void HandlerFailed(ILogger logger, Exception exception, string documentId);
    }
}
