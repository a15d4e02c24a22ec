using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Converge.Protocol;
using Converge.Protocol.Frames;
using Converge.Server.Security;
using Converge.Server.Sessions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Converge.Server.Presence;

/// <summary>
/// Every document's presence room, and what each session has joined. Sessions hand it their presence frames; it
/// checks them (read access, sizes, limits), answers refusals with <c>presenceRejected</c>, and keeps rooms in step
/// with sessions' ends. Never touches a document's authority or the change log: presence is not stored.
/// </summary>
internal sealed partial class PresenceRegistry : IDisposable
{
    private readonly ConcurrentDictionary<string, PresenceRoom> _rooms = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ServerSession, SessionPresence> _sessions = new(ReferenceEqualityComparer.Instance);
    private readonly IDocumentAuthorizer _authorizer;
    private readonly ConvergeServerOptions _options;
    private readonly TimeProvider _time;
    private readonly PresenceMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ILogger _roomLogger;

    public PresenceRegistry(IDocumentAuthorizer authorizer, IOptions<ConvergeServerOptions> options, TimeProvider time,
        Observability.ConvergeServerMetrics metrics, ILoggerFactory loggers)
    {
        _authorizer = authorizer;
        _options = options.Value;
        _time = time;
        _logger = loggers.CreateLogger<PresenceRegistry>();
        _roomLogger = loggers.CreateLogger<PresenceRoom>();
        _metrics = new PresenceMetrics(metrics.Meter, () => _rooms.Count, () => _rooms.Values.Sum(static r => r.ConnectionCount));
    }

    private PresenceOptions Limits => _options.Presence;

    /// <summary>Sessions with presence state (joined at least once and not yet ended), for tests and diagnostics.</summary>
    public int TrackedSessions => _sessions.Count;

    /// <summary>The room of a document, if anyone is present there (for tests and diagnostics).</summary>
    public PresenceRoom? Find(string documentId) => _rooms.GetValueOrDefault(documentId);

    /// <summary>Handles a presence frame from a session that has said hello.</summary>
    public async ValueTask HandleAsync(ServerSession session, Frame frame, CancellationToken cancellationToken)
    {
        switch (frame)
        {
            case PresenceJoinFrame join:
                await JoinAsync(session, join, cancellationToken).ConfigureAwait(false);
                break;
            case PresenceUpdateFrame update:
                Update(session, update);
                break;
            case PresenceLeaveFrame leave:
                Leave(session, leave.DocumentId);
                break;
        }
    }

    public void Dispose()
    {
        foreach (var room in _rooms.Values)
        {
            room.Dispose();
        }

        _rooms.Clear();
    }

    private async ValueTask JoinAsync(ServerSession session, PresenceJoinFrame join, CancellationToken cancellationToken)
    {
        var state = Track(session);
        var documentId = join.DocumentId;
        if (!state.Contains(documentId) && state.Count >= Limits.MaxDocumentsPerSession)
        {
            Reject(session, documentId, ErrorCodes.PresenceLimit, $"This session is present in {state.Count} documents; the limit is {Limits.MaxDocumentsPerSession}.");
            return;
        }

        if (TooLarge(join.Metadata, join.Cursor) is { } problem)
        {
            Reject(session, documentId, ErrorCodes.PresenceTooLarge, problem);
            return;
        }

        // Presence shows who is in a document and where they point: it needs the same right as reading it.
        var access = await _authorizer.GetAccessAsync(session.User, documentId, cancellationToken).ConfigureAwait(false);
        if (!access.HasFlag(DocumentAccess.Read))
        {
            Leave(session, documentId);
            Reject(session, documentId, ErrorCodes.Forbidden, $"You may not read '{documentId}', so you may not be present in it.");
            return;
        }

        var (userId, authenticated) = PresenceIdentity.Of(session);
        while (true)
        {
            var room = _rooms.GetOrAdd(documentId, id => new PresenceRoom(id, Limits, _time, _metrics, _roomLogger, Retire));
            var outcome = room.Join(state.Recipient, userId, authenticated, session.ClientId!, join.Metadata, join.Cursor);
            if (outcome == PresenceJoinOutcome.Retired)
            {
                _rooms.TryRemove(KeyValuePair.Create(documentId, room));
                continue;
            }

            if (outcome == PresenceJoinOutcome.IdentityTaken)
            {
                Reject(session, documentId, ErrorCodes.Forbidden, $"User id '{Truncate(userId)}' is present here under another identity.");
                return;
            }

            state.Add(documentId);
            Log.Joined(_logger, session.SessionId, documentId, userId, outcome == PresenceJoinOutcome.Resumed);
            if (session.Closing.IsCancellationRequested)
            {
                // The session ended while joining, perhaps after its end already detached it: detach what was just joined.
                room.Detach(state.Recipient, _time.GetElapsedTime(session.LastSeen));
            }

            return;
        }
    }

    private void Update(ServerSession session, PresenceUpdateFrame update)
    {
        var documentId = update.DocumentId;
        if (!_sessions.TryGetValue(session, out var state) || !state.Contains(documentId) || !_rooms.TryGetValue(documentId, out var room))
        {
            Reject(session, documentId, ErrorCodes.NotJoined, $"Join the presence of '{documentId}' before updating it.");
            return;
        }

        if (TooLarge(update.Metadata, update.Cursor) is { } problem)
        {
            Reject(session, documentId, ErrorCodes.PresenceTooLarge, problem);
            return;
        }

        var (userId, _) = PresenceIdentity.Of(session);
        if (!room.Update(state.Recipient, userId, session.ClientId!, update.Metadata, update.Cursor, update.Typing))
        {
            state.Remove(documentId);
            Reject(session, documentId, ErrorCodes.NotJoined, $"This connection is no longer present in '{documentId}'; join again.");
        }
    }

    private void Leave(ServerSession session, string documentId)
    {
        if (_sessions.TryGetValue(session, out var state) && state.Remove(documentId) && _rooms.TryGetValue(documentId, out var room))
        {
            room.Leave(state.Recipient, PresenceIdentity.Of(session).UserId, session.ClientId!);
            Log.Left(_logger, session.SessionId, documentId);
        }
    }

    // A session's presence state exists from its first join; its end (however it comes) detaches everything it joined.
    private SessionPresence Track(ServerSession session)
    {
        if (_sessions.TryGetValue(session, out var state))
        {
            return state;
        }

        // Only the session's own receive loop gets here, so there is no race to add it twice.
        state = new SessionPresence(new SessionRecipient(session, _options.SessionQueueCapacity));
        _sessions[session] = state;
        session.Closing.Register(static s =>
        {
            // Off the closing thread: Close can be called from inside a room (a delivery that found the queue full).
            var (registry, closed) = ((PresenceRegistry, ServerSession))s!;
            ThreadPool.UnsafeQueueUserWorkItem(static pair => pair.registry.OnSessionClosed(pair.closed), (registry, closed), preferLocal: false);
        }, (this, session));
        return state;
    }

    private void OnSessionClosed(ServerSession session)
    {
        if (!_sessions.TryGetValue(session, out var state))
        {
            return;
        }

        try
        {
            var silentFor = _time.GetElapsedTime(session.LastSeen);
            foreach (var documentId in state.TakeAll())
            {
                if (_rooms.TryGetValue(documentId, out var room))
                {
                    room.Detach(state.Recipient, silentFor);
                    Log.Detached(_logger, session.SessionId, documentId, Limits.Timeout - silentFor);
                }
            }
        }
#pragma warning disable CA1031 // Work queued to the thread pool must never take the process down.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.DetachFailed(_logger, ex, session.SessionId);
        }
        finally
        {
            // Last, so that a session no longer tracked is one whose presence is fully detached.
            _sessions.TryRemove(session, out _);
        }
    }

    private void Retire(PresenceRoom room)
    {
        if (room.TryRetire())
        {
            _rooms.TryRemove(KeyValuePair.Create(room.DocumentId, room));
        }
    }

    private string? TooLarge(JsonElement? metadata, PresenceCursor? cursor)
    {
        var metadataBytes = Bytes(metadata);
        if (metadataBytes > Limits.MaxMetadataBytes)
        {
            return $"Metadata is {metadataBytes} bytes; the limit is {Limits.MaxMetadataBytes}.";
        }

        var cursorBytes = cursor is null ? 0 : Bytes(cursor.Position) + Bytes(cursor.Selection);
        return cursorBytes > Limits.MaxCursorBytes ? $"The cursor is {cursorBytes} bytes; the limit is {Limits.MaxCursorBytes}." : null;

        static int Bytes(JsonElement? value) => value is { } element ? Encoding.UTF8.GetByteCount(element.GetRawText()) : 0;
    }

    private void Reject(ServerSession session, string documentId, string code, string reason)
    {
        Log.Rejected(_logger, session.SessionId, documentId, code, reason);
        _metrics.Rejected(code);
        session.TryEnqueue(new PresenceRejectedFrame(documentId, code, reason));
    }

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";

    private static partial class Log
    {
        [LoggerMessage(EventId = 90, EventName = "PresenceJoined", Level = LogLevel.Debug, Message = "Session {SessionId}: present in {DocumentId} as {UserId} (resumed: {Resumed}).")]
        public static partial void Joined(ILogger logger, string sessionId, string documentId, string userId, bool resumed);

        [LoggerMessage(EventId = 91, EventName = "PresenceLeft", Level = LogLevel.Debug, Message = "Session {SessionId}: left the presence of {DocumentId}.")]
        public static partial void Left(ILogger logger, string sessionId, string documentId);

        [LoggerMessage(EventId = 92, EventName = "PresenceRejected", Level = LogLevel.Warning, Message = "Session {SessionId}: presence in {DocumentId} refused ({Code}): {Reason}")]
        public static partial void Rejected(ILogger logger, string sessionId, string documentId, string code, string reason);

        [LoggerMessage(EventId = 94, EventName = "PresenceDetachFailed", Level = LogLevel.Error, Message = "Session {SessionId}: detaching its presence failed.")]
        public static partial void DetachFailed(ILogger logger, Exception exception, string sessionId);

        [LoggerMessage(EventId = 93, EventName = "PresenceDetached", Level = LogLevel.Debug, Message = "Session {SessionId} ended without leaving {DocumentId}; its presence stays for {Remaining}.")]
        public static partial void Detached(ILogger logger, string sessionId, string documentId, TimeSpan remaining);
    }
}
