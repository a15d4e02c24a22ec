using System.Security.Claims;
using System.Threading.Channels;
using Converge.Protocol;
using Converge.Protocol.Frames;
using Converge.Server.Authority;
using Converge.Server.Security;
using Microsoft.Extensions.Logging;

namespace Converge.Server.Sessions;

/// <summary>
/// One client connection's protocol state, independent of the transport that carries it: the handshake,
/// its subscriptions, and a bounded outbound queue that authorities write to and the transport drains.
/// </summary>
/// <remarks>
/// <see cref="HandleAsync"/> is called by one receive loop at a time; the outbound side is safe from any
/// thread. Nothing here ever blocks an authority: a full queue closes the session (slow consumer) instead.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "_closing has no timer or linked token; disposing it would race with authorities that close the session concurrently.")]
internal sealed partial class ServerSession
{
    private readonly Channel<Frame> _outbound;
    private readonly AuthorityRegistry _authorities;
    private readonly ConvergeServerOptions _options;
    private readonly ILogger _logger;
    private readonly HashSet<string> _subscriptions = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _closing = new();
    private SessionClose? _close;
    private long _lastSeenTicks;

    // Changes pushed to authorities and not yet answered (ack or reject): bounded by MaxPendingChangesPerClient.
    private int _pendingChanges;
    private ITimer? _liveness;

    // The liveness check's clock, kept here so that the timer's state is the session itself (no boxed pair per session).
    private TimeProvider? _clock;

    private readonly IDocumentAuthorizer _authorizer;
    private readonly Observability.ConvergeServerMetrics _metrics;
    private readonly Presence.PresenceRegistry _presence;

    public ServerSession(string sessionId, ClaimsPrincipal user, AuthorityRegistry authorities, IDocumentAuthorizer authorizer,
        Observability.ConvergeServerMetrics metrics, Presence.PresenceRegistry presence, ConvergeServerOptions options, ILogger logger)
    {
        _metrics = metrics;
        _presence = presence;
        SessionId = sessionId;
        User = user;
        _authorizer = authorizer;
        _authorities = authorities;
        _options = options;
        _logger = logger;
        _outbound = Channel.CreateBounded<Frame>(new BoundedChannelOptions(options.SessionQueueCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public string SessionId { get; }

    /// <summary>Who opened the session (anonymous when the endpoint does not require authentication).</summary>
    public ClaimsPrincipal User { get; }

    /// <summary>Set by hello; null until then.</summary>
    public string? ClientId { get; private set; }

    public bool HasHello => ClientId is not null;

    /// <summary>What the transport sends, in order. Completes when the session closes.</summary>
    public ChannelReader<Frame> Outbound => _outbound.Reader;

    /// <summary>Cancelled once the session starts closing, by either side.</summary>
    public CancellationToken Closing => _closing.Token;

    /// <summary>Why the session closed, once it has.</summary>
    public SessionClose? CloseReason => Volatile.Read(ref _close);

    /// <summary>When the client was last heard from (a <see cref="TimeProvider.GetTimestamp"/> value).</summary>
    public long LastSeen => Volatile.Read(ref _lastSeenTicks);

    /// <summary>The transport heard from the client (a frame, a poll): it is alive.</summary>
    public void Touch(TimeProvider time) => Volatile.Write(ref _lastSeenTicks, time.GetTimestamp());

    /// <summary>
    /// Drops the session with 4408 once the client has been silent for <see cref="ConvergeServerOptions.ClientTimeout"/>:
    /// a crashed client or a dead network path sends no close, and would otherwise hold its subscriptions forever.
    /// </summary>
    public void StartLivenessCheck(TimeProvider time)
    {
        Touch(time);
        var period = _options.ClientTimeout / 3;
        _clock = time;
        _liveness = time.CreateTimer(static state =>
        {
            var session = (ServerSession)state!;
            if (session._clock!.GetElapsedTime(Volatile.Read(ref session._lastSeenTicks)) > session._options.ClientTimeout)
            {
                Log.Silent(session._logger, session.SessionId, session._options.ClientTimeout);
                session.Fail(ErrorCodes.Timeout, $"Nothing heard from the client for {session._options.ClientTimeout}.");
            }
        }, this, period, period);
    }

    /// <summary>Queues a frame. Returns false, and closes the session as a slow consumer, when the queue is full.</summary>
    public bool TryEnqueue(Frame frame)
    {
        if (_outbound.Writer.TryWrite(frame))
        {
            return true;
        }

        if (CloseReason is null)
        {
            Log.SlowConsumer(_logger, SessionId, _options.SessionQueueCapacity);
            _metrics.SlowConsumer();
            Close(ConvergeCloseCode.SlowConsumer, "Outbound queue full; resume from your cursor.");
        }

        return false;
    }

    /// <summary>Sends an error frame (when there is room) and closes with the matching close code.</summary>
    public void Fail(string errorCode, string message, long? retryAfterMs = null)
    {
        if (CloseReason is not null)
        {
            return;
        }

        _outbound.Writer.TryWrite(new ErrorFrame(errorCode, message, retryAfterMs));
        Close(ConvergeCloseCodeExtensions.ForErrorCode(errorCode), message);
    }

    /// <summary>Starts closing: no more frames are accepted, queued ones are still sent, then the transport closes.</summary>
    public void Close(ConvergeCloseCode code, string reason)
    {
        if (Interlocked.CompareExchange(ref _close, new SessionClose(code, reason), null) is not null)
        {
            return;
        }

        _outbound.Writer.TryComplete();
        _liveness?.Dispose();
        _closing.Cancel();
    }

    /// <summary>Changes this session pushed that authorities have not answered yet.</summary>
    public int PendingChanges => Volatile.Read(ref _pendingChanges);

    /// <summary>An authority answered (acked or rejected) <paramref name="count"/> of this session's changes.</summary>
    public void ChangesAnswered(int count) => Interlocked.Add(ref _pendingChanges, -count);

    /// <summary>Handles one frame from the client.</summary>
    /// <exception cref="ProtocolException">The frame breaks the protocol; the caller closes the session.</exception>
    public async ValueTask HandleAsync(Frame frame, CancellationToken cancellationToken)
    {
        if (CloseReason is not null)
        {
            return;
        }

        switch (frame)
        {
            case HelloFrame hello when !HasHello:
                await HandleHelloAsync(hello, cancellationToken).ConfigureAwait(false);
                break;
            case HelloFrame:
                throw new ProtocolException(ErrorCodes.UnexpectedFrame, "hello was already received on this session.");
            case not null when !HasHello:
                throw new ProtocolException(ErrorCodes.UnexpectedFrame, "The first frame must be hello.");
            case SubscribeFrame subscribe:
                await SubscribeAsync(subscribe.DocumentId, subscribe.Since, cancellationToken).ConfigureAwait(false);
                break;
            case UnsubscribeFrame unsubscribe:
                if (_subscriptions.Remove(unsubscribe.DocumentId))
                {
                    await _authorities.SendIfActiveAsync(unsubscribe.DocumentId, new AuthorityCommand.Unsubscribe(this), cancellationToken).ConfigureAwait(false);
                }

                break;
            case PushFrame push:
                await PushAsync(push, cancellationToken).ConfigureAwait(false);
                break;
            case PresenceJoinFrame or PresenceUpdateFrame or PresenceLeaveFrame:
                await _presence.HandleAsync(this, frame, cancellationToken).ConfigureAwait(false);
                break;
            case PingFrame ping:
                TryEnqueue(new PongFrame(ping.Payload));
                break;
            case PongFrame:
                break;
            default:
                throw new ProtocolException(ErrorCodes.UnexpectedFrame, $"'{frame?.GetType().Name}' frames are sent by the server, not by clients.");
        }
    }

    /// <summary>Leaves every document. Called once by the transport when the connection is gone.</summary>
    public async ValueTask EndAsync()
    {
        Close(ConvergeCloseCode.Normal, "Connection ended.");
        foreach (var documentId in _subscriptions)
        {
            try
            {
                await _authorities.SendIfActiveAsync(documentId, new AuthorityCommand.Unsubscribe(this), CancellationToken.None).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                // The authority is shutting down with the server: there is nothing left to leave.
            }
        }

        // _closing is not disposed: an authority may still call Close concurrently, and it owns no timer.
        _subscriptions.Clear();
    }

    private async ValueTask HandleHelloAsync(HelloFrame hello, CancellationToken cancellationToken)
    {
        if (hello.ProtocolVersion != ConvergeProtocol.Version)
        {
            throw new ProtocolException(ErrorCodes.UnsupportedVersion,
                $"This server speaks protocol v{ConvergeProtocol.Version}; the client asked for v{hello.ProtocolVersion}.");
        }

        ClientId = hello.ClientId;
        Log.Hello(_logger, SessionId, hello.ClientId, hello.Subscriptions?.Count ?? 0);
        TryEnqueue(new WelcomeFrame(ConvergeProtocol.Version, SessionId, (long)_options.HeartbeatInterval.TotalMilliseconds, _options.MaxFrameBytes,
            _options.AnnouncedPendingChanges));
        foreach (var subscription in hello.Subscriptions ?? [])
        {
            await SubscribeAsync(subscription.DocumentId, subscription.Since, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask SubscribeAsync(string documentId, long since, CancellationToken cancellationToken)
    {
        if (!_subscriptions.Contains(documentId) && _subscriptions.Count >= _options.MaxSubscriptionsPerSession)
        {
            TryEnqueue(new ErrorFrame(ErrorCodes.Forbidden,
                $"This session already has {_subscriptions.Count} subscriptions; the limit is {_options.MaxSubscriptionsPerSession}.",
                DocumentId: documentId));
            return;
        }

        // Checked before the authority hears of it: no snapshot, replay or live change of a document the user may not
        // read is ever queued for this session.
        var access = await _authorizer.GetAccessAsync(User, documentId, cancellationToken).ConfigureAwait(false);
        if (!access.HasFlag(DocumentAccess.Read))
        {
            Log.Forbidden(_logger, SessionId, documentId, "read");
            if (_subscriptions.Remove(documentId))
            {
                await _authorities.SendIfActiveAsync(documentId, new AuthorityCommand.Unsubscribe(this), cancellationToken).ConfigureAwait(false);
            }

            TryEnqueue(new ErrorFrame(ErrorCodes.Forbidden, $"You may not read '{documentId}'.", DocumentId: documentId));
            return;
        }

        _subscriptions.Add(documentId);
        await _authorities.SendAsync(documentId, new AuthorityCommand.Subscribe(this, since), cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask PushAsync(PushFrame push, CancellationToken cancellationToken)
    {
        if (!_subscriptions.Contains(push.DocumentId))
        {
            // Acks are ordered within the document's change stream, so a push needs that stream.
            foreach (var change in push.Changes)
            {
                _metrics.Rejected(ErrorCodes.NotSubscribed);
                TryEnqueue(new RejectFrame(push.DocumentId, change.ClientSeq, ErrorCodes.NotSubscribed,
                    $"Subscribe to '{push.DocumentId}' before pushing changes to it."));
            }

            return;
        }

        var access = await _authorizer.GetAccessAsync(User, push.DocumentId, cancellationToken).ConfigureAwait(false);
        if (!access.HasFlag(DocumentAccess.Write))
        {
            Log.Forbidden(_logger, SessionId, push.DocumentId, "write");
            foreach (var change in push.Changes)
            {
                _metrics.Rejected(ErrorCodes.Forbidden);
                TryEnqueue(new RejectFrame(push.DocumentId, change.ClientSeq, ErrorCodes.Forbidden, $"You may not write to '{push.DocumentId}'."));
            }

            return;
        }

        // Unanswered changes are server memory a client controls: bounded, and over the bound nothing of the push is
        // applied, so the client still holds all of it and pushes it again after reconnecting. Nothing is lost.
        var pending = PendingChanges;
        if (pending + push.Changes.Count > _options.MaxPendingChangesPerClient)
        {
            Log.TooManyPending(_logger, SessionId, ClientId!, pending, push.Changes.Count, _options.MaxPendingChangesPerClient);
            _metrics.Rejected(ErrorCodes.TooManyPending);
            Fail(ErrorCodes.TooManyPending,
                $"{pending} change(s) still unanswered and {push.Changes.Count} more pushed; at most {_options.MaxPendingChangesPerClient} may be pending. "
                + "The push was not applied: reconnect after retryAfterMs and push again.", PendingRetryAfterMs);
            return;
        }

        Interlocked.Add(ref _pendingChanges, push.Changes.Count);
        await _authorities.SendAsync(push.DocumentId, new AuthorityCommand.Push(this, push), cancellationToken).ConfigureAwait(false);
    }

    // Long enough for the authorities to answer what is in flight; short enough not to matter to a user.
    private const long PendingRetryAfterMs = 1000;

    private static partial class Log
    {
        [LoggerMessage(EventId = 14, EventName = "SessionTooManyPending", Level = LogLevel.Warning, Message = "Session {SessionId} (client {ClientId}): {Pending} change(s) unanswered, {Pushed} more pushed, limit {Limit}; closing with too_many_pending, nothing of the push applied.")]
        public static partial void TooManyPending(ILogger logger, string sessionId, string clientId, int pending, int pushed, int limit);

        [LoggerMessage(EventId = 10, EventName = "SessionHello", Level = LogLevel.Debug, Message = "Session {SessionId}: hello from client {ClientId} with {Subscriptions} subscription(s).")]
        public static partial void Hello(ILogger logger, string sessionId, string clientId, int subscriptions);

        [LoggerMessage(EventId = 13, EventName = "SessionForbidden", Level = LogLevel.Warning, Message = "Session {SessionId}: {Access} access to {DocumentId} refused.")]
        public static partial void Forbidden(ILogger logger, string sessionId, string documentId, string access);

        [LoggerMessage(EventId = 12, EventName = "SessionSilent", Level = LogLevel.Information, Message = "Session {SessionId}: nothing heard for {Timeout}; dropping it as dead.")]
        public static partial void Silent(ILogger logger, string sessionId, TimeSpan timeout);

        [LoggerMessage(EventId = 11, EventName = "SessionSlowConsumer", Level = LogLevel.Warning, Message = "Session {SessionId}: outbound queue full ({Capacity} frames); closing as a slow consumer.")]
        public static partial void SlowConsumer(ILogger logger, string sessionId, int capacity);
    }
}
