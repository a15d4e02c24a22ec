using System.Collections.Concurrent;
using Converge.Client.Connection;
using Converge.Client.Documents;
using Converge.Client.Reconnection;
using Converge.Client.Storage;
using Converge.Client.Transports;
using Converge.Protocol;
using Converge.Protocol.Codecs;
using Converge.Protocol.Frames;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Converge.Client;

/// <summary>
/// The Converge client: one connection to a Converge server carrying any number of documents. It connects, falls
/// back between transports, reconnects with backoff, watches heartbeats and resumes every document from its cursor;
/// open a document with <see cref="OpenDocumentAsync(string, CancellationToken)"/>, mutate it, and observe <see cref="ConvergeDocument.Changed"/>.
/// </summary>
/// <example>
/// <code>
/// await using var client = new ConvergeClient(new ConvergeClientOptions { ServerUri = new("ws://127.0.0.1:5000/sync") });
/// await client.StartAsync();
/// var board = await client.OpenDocumentAsync("board-1");
/// board.Changed += (_, e) => Render(e.State);
/// var receipt = await board.SetAsync("title", JsonSerializer.SerializeToElement("Sprint 12"));
/// await receipt.Acknowledged; // durable on the server
/// </code>
/// </example>
public sealed partial class ConvergeClient : IAsyncDisposable, IFrameSink, Presence.IPresenceLink
{
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);
    private const int MaxChangesPerPush = 64;
    // Characters of URL-escaped subscriptions an HTTP hello may carry (see HelloSubscriptions).
    private const int HttpHelloBudget = 4096;

    private readonly ConvergeClientOptions _options;
    private readonly Uri _serverUri;
    private readonly Func<TransportKind, ITransport> _transportFactory;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, ConvergeDocument> _documents = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    // Guards _connection together with the document set, so a document opened during a connect is subscribed exactly once.
    private readonly Lock _documentsGate = new();
    // One HttpClient for the HTTP transports, made on first use (a WebSocket-only client never needs one).
    private readonly Lazy<HttpClient> _http;
    private ClientConnection? _connection;
    private readonly FlushScheduler _flushes;
    private readonly Lock _pushGate = new();
    private readonly Presence.PresenceHandles _presence;
    // Null without ConvergeClientOptions.LocalStore: documents then live in memory only.
    private readonly LocalStore? _localStore;
    private ConnectionStatus _status = ConnectionStatus.Initial;
    private CancellationTokenSource? _running;
    private Task _supervisor = Task.CompletedTask;
    private TaskCompletionSource _firstConnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _wakeUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _disposed;

    /// <summary>Creates a client. It does not connect until <see cref="StartAsync"/>.</summary>
    /// <param name="options">The options; validated here.</param>
    /// <param name="loggerFactory">Where logs go; none by default.</param>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    /// <exception cref="ClientStoreException">The local store (<see cref="ConvergeClientOptions.LocalStore"/>) cannot be
    /// opened: in use by another client, made for another client id, or not a store.</exception>
    public ConvergeClient(ConvergeClientOptions options, ILoggerFactory? loggerFactory = null)
        : this(options, null, loggerFactory)
    {
    }

    internal ConvergeClient(ConvergeClientOptions options, Func<TransportKind, ITransport>? transportFactory, ILoggerFactory? loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _serverUri = options.ResolveServerUri();
        _time = options.TimeProvider;
        _transportFactory = transportFactory ?? CreateTransport;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<ConvergeClient>();
        _localStore = LocalStore.Open(options, _loggerFactory);
        ClientId = _localStore?.ClientId ?? options.ClientId ?? Guid.NewGuid().ToString("N");
        _flushes = new FlushScheduler(_time, options.FlushWindow, SendUnsent);
        _presence = new Presence.PresenceHandles(this, options.Presence, _time, _loggerFactory, ClientId);
        _http = new Lazy<HttpClient>(() => new HttpClient(options.HttpMessageHandlerFactory?.Invoke() ?? new HttpClientHandler(), disposeHandler: true)
        {
            // Long polls and event streams outlive any fixed timeout; the handshake timeout and heartbeats bound them instead.
            Timeout = Timeout.InfiniteTimeSpan,
        });
    }

    /// <summary>Raised on every change of <see cref="Status"/>, in order.</summary>
    public event EventHandler<ConnectionStatusChangedEventArgs>? StatusChanged;

    /// <summary>This replica's id (see <see cref="ConvergeClientOptions.ClientId"/>).</summary>
    public string ClientId { get; }

    /// <summary>The connection's current status: state, transport, reconnect attempt and delay, last failure.</summary>
    public ConnectionStatus Status => Volatile.Read(ref _status);

    /// <summary>Shorthand for <c>Status.State</c>.</summary>
    public ConnectionState State => Status.State;

    /// <summary>The connected transport's name (e.g. <c>websocket</c>), or <see langword="null"/> when not connected.</summary>
    public string? TransportName => Status.Transport;

    /// <summary>
    /// Starts connecting and keeps the connection up (fallback, reconnects, heartbeats) until stopped. Completes once
    /// connected. A retryable failure does not end the wait: the client keeps trying per
    /// <see cref="ConvergeClientOptions.ReconnectPolicy"/>; don't await it to start offline.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting and stops the client.</param>
    /// <exception cref="ConvergeConnectionException">The client gave up: forbidden, unauthorized after a refresh, a
    /// fatal protocol failure, or the policy's attempt limit.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Task connected;
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_running is null)
            {
                _running = new CancellationTokenSource();
                _firstConnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var token = _running.Token;
                _supervisor = Task.Run(() => SuperviseAsync(token), CancellationToken.None);
            }

            connected = _firstConnected.Task;
        }
        finally
        {
            _lifecycle.Release();
        }

        try
        {
            await connected.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Closes the connection cleanly (code 1000) and stops reconnecting. Documents and pending changes stay.</summary>
    /// <param name="cancellationToken">Stops waiting for the server's close answer.</param>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Whatever waits in the flush window leaves before the close, so a pause (pagehide) does not hold it back.
            _flushes.FlushNow();
            if (_localStore is not null)
            {
                // A suspended app may be killed without notice: cache what is unsaved now.
                await _localStore.FlushAsync().ConfigureAwait(false);
            }

            if (_running is not { } running)
            {
                return;
            }

            // A stop on purpose is a goodbye: others see this client leave at once, not after the presence timeout.
            _presence.GoodbyeAll();
            await running.CancelAsync().ConfigureAwait(false);
            _connection?.RequestClose(ConvergeCloseCode.Normal, "Client stopped.", CloseTimeout);
            await _supervisor.WaitAsync(cancellationToken).ConfigureAwait(false);
            running.Dispose();
            _running = null;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Closes the connection cleanly because the app is suspended (the .NET counterpart of closing on <c>pagehide</c>).
    /// Local changes keep queueing; <see cref="ResumeAsync"/> reconnects and resumes from every document's cursor.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting for the server's close answer.</param>
    public Task PauseAsync(CancellationToken cancellationToken = default) => StopAsync(cancellationToken);

    /// <summary>Reconnects after <see cref="PauseAsync"/>, resuming from every document's cursor. Same contract as <see cref="StartAsync"/>.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    public Task ResumeAsync(CancellationToken cancellationToken = default) => StartAsync(cancellationToken);

    /// <summary>
    /// Tells the client the network is back (e.g. from a connectivity-changed event): a pending reconnect happens now
    /// instead of after its backoff delay.
    /// </summary>
    public void NotifyNetworkAvailable() => Volatile.Read(ref _wakeUp).TrySetResult();

    /// <summary>
    /// Opens a document and waits until it is fully synced (never shows partial state). While disconnected, it waits
    /// for the connection — unless the local store (<see cref="ConvergeClientOptions.LocalStore"/>) has the document
    /// cached: then it returns at once, offline too, with the cached state and pending changes and
    /// <see cref="DocumentStatus.Stale"/> until it has synced. Opening an open document returns the same instance.
    /// </summary>
    /// <param name="documentId">The document id (1–256 characters, no control characters).</param>
    /// <param name="cancellationToken">Stops waiting; the document stays open.</param>
    /// <exception cref="ArgumentException">The id is invalid.</exception>
    public Task<ConvergeDocument> OpenDocumentAsync(string documentId, CancellationToken cancellationToken = default) =>
        OpenDocumentAsync(documentId, null, cancellationToken);

    /// <summary>
    /// Opens a document like <see cref="OpenDocumentAsync(string, CancellationToken)"/>, reporting how far a large
    /// document's snapshot has arrived (for a progress bar) while it waits.
    /// </summary>
    /// <param name="documentId">The document id (1–256 characters, no control characters).</param>
    /// <param name="progress">Receives snapshot progress until the document is ready; may be <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops waiting; the document stays open.</param>
    /// <exception cref="ArgumentException">The id is invalid.</exception>
    public async Task<ConvergeDocument> OpenDocumentAsync(string documentId, IProgress<SyncProgressEventArgs>? progress, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        void Report(object? sender, SyncProgressEventArgs e) => progress!.Report(e);
        if (new SubscribeFrame(documentId).Validate() is { } problem)
        {
            throw new ArgumentException(problem, nameof(documentId));
        }

        // Read before taking the lock (it is I/O); when two opens race, the document made first keeps its copy.
        var stored = _localStore is not null && !_documents.ContainsKey(documentId) ? _localStore.Load(documentId) : null;
        ConvergeDocument document;
        var restoredOutbox = false;
        lock (_documentsGate)
        {
            if (!_documents.TryGetValue(documentId, out document!))
            {
                document = new ConvergeDocument(documentId, ClientId, this, _loggerFactory.CreateLogger<ConvergeDocument>(), [.. _options.Rules]);
                if (stored is not null)
                {
                    _localStore!.Attach(document, stored);
                }

                if (progress is not null)
                {
                    document.SyncProgress += Report;
                }

                _documents[documentId] = document;
                if (_connection is { } connection)
                {
                    var subscription = document.BeginSubscription();
                    connection.Outbound.Writer.TryWrite(new SubscribeFrame(subscription.DocumentId, subscription.Since));
                    restoredOutbox = document.PendingCount > 0;
                }
            }
        }

        if (restoredOutbox)
        {
            // The outbox restored from the store goes out now, not with the next local change (outside the lock: a
            // flush takes the push lock, then the document's).
            ((IFrameSink)this).ScheduleFlush(document);
        }

        try
        {
            // A cached document is handed out at once, offline too (Stale until synced); any other only once complete.
            if (document.Status != DocumentStatus.Stale)
            {
                await document.WaitUntilReadyAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            document.SyncProgress -= Report;
        }

        return document;
    }

    /// <summary>
    /// Joins a document's presence: this connection shows as present, with the user's metadata, to everyone present in
    /// the document, and the handle shows them. Completes once the server has answered with who is there. Needs read
    /// access to the document, but not the document itself: presence is independent of <see cref="OpenDocumentAsync(string, CancellationToken)"/>
    /// and never stored. While disconnected it waits for the connection; after reconnects the handle re-announces itself.
    /// </summary>
    /// <param name="documentId">The document id (1–256 characters, no control characters).</param>
    /// <param name="metadata">The user's metadata: a JSON object (name, colour, avatar…), at most <see cref="Presence.PresenceOptions.MaxMetadataBytes"/>.</param>
    /// <param name="cancellationToken">Stops waiting, and leaves.</param>
    /// <returns>The handle; dispose it to leave.</returns>
    /// <exception cref="ArgumentException">The id or the metadata is invalid.</exception>
    /// <exception cref="Presence.PresenceRejectedException">Refused: <c>forbidden</c> (no read access), <c>presence_too_large</c>, <c>presence_limit</c>.</exception>
    /// <exception cref="InvalidOperationException">This client is already present in the document.</exception>
    public Task<Presence.PresenceHandle> JoinPresenceAsync(string documentId, System.Text.Json.JsonElement metadata, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_documentsGate)
        {
            var handle = _presence.Add(documentId, metadata);
            if (_connection is not null)
            {
                handle.Announce();
            }

            return Presence.PresenceHandles.WaitJoinedAsync(handle, cancellationToken);
        }
    }

    /// <summary>Stops the client.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _presence.DisposeAsync().ConfigureAwait(false);
        await StopAsync().ConfigureAwait(false);
        if (_localStore is not null)
        {
            await _localStore.DisposeAsync().ConfigureAwait(false);
        }

        _flushes.Dispose();
        _lifecycle.Dispose();
        if (_http.IsValueCreated)
        {
            _http.Value.Dispose();
        }
    }

    bool IFrameSink.TrySend(Frame frame) => _connection?.Outbound.Writer.TryWrite(frame) ?? false;

    void IFrameSink.ScheduleFlush(ConvergeDocument document) => _flushes.Schedule(document);

    bool Presence.IPresenceLink.TrySend(Frame frame) => _connection?.Outbound.Writer.TryWrite(frame) ?? false;

    bool Presence.IPresenceLink.IsBacklogged => _connection is { } connection && connection.Outbound.Reader.Count > 0;

    /// <summary>
    /// Whether the network is metered (cellular, saver mode): local changes then wait up to
    /// <see cref="ConvergeClientOptions.MeteredFlushWindow"/> instead of <see cref="ConvergeClientOptions.FlushWindow"/>
    /// so they travel in fewer, larger frames. Set it from the platform's network information; default false.
    /// Turning it off sends what waits at once.
    /// </summary>
    public bool IsMetered
    {
        get => _flushes.Window == _options.MeteredFlushWindow && _options.MeteredFlushWindow != _options.FlushWindow;
        set
        {
            _flushes.Window = value ? _options.MeteredFlushWindow : _options.FlushWindow;
            if (!value)
            {
                _flushes.FlushNow();
            }
        }
    }

    // Sends the unsent changes of each document on the current connection, in as few frames as its limit allows; with
    // no connection they simply stay unsent, and the next welcome sends them.
    private void SendUnsent(IReadOnlyCollection<ConvergeDocument> documents)
    {
        var connection = _connection;
        if (connection is null || !connection.Welcome.Task.IsCompletedSuccessfully)
        {
            return;
        }

        var maxBytes = connection.Welcome.Task.Result.MaxFrameBytes / 2;
        foreach (var document in documents)
        {
            EnqueueUnsent(connection, document, maxBytes);
        }
    }

    // Taking a document's unsent changes and queueing their frames is one step under one lock: two flushes (the window's
    // timer and a connect, or two timers) must not interleave their frames, or a later change reaches the server
    // before an earlier one and the earlier is refused as stale.
    private void EnqueueUnsent(ClientConnection connection, ConvergeDocument document, int maxBytes)
    {
        lock (_pushGate)
        {
            var unsent = document.TakeUnsent(connection.Pushes.Room, out var heldBack);
            connection.Pushes.Pushed(unsent.Count, heldBack);
            foreach (var chunk in PushBatches.Split(unsent, MaxChangesPerPush, maxBytes))
            {
                connection.Outbound.Writer.TryWrite(new PushFrame(document.Id, chunk));
            }
        }
    }

    // An answer freed room in the push window of the current connection: send what the window held back. Recorded
    // under the push gate: between EnqueueUnsent reading no room and marking changes held back, an answer taken alone
    // could empty the window without seeing them, and with nothing left in flight no answer would ever send them.
    private void OnPushAnswered(ClientConnection connection)
    {
        bool refill;
        lock (_pushGate)
        {
            refill = connection.Pushes.Answered();
        }

        if (refill && ReferenceEquals(connection, _connection))
        {
            SendUnsent(_documents.Values.ToArray());
        }
    }

    private ITransport CreateTransport(TransportKind kind) => kind switch
    {
        TransportKind.WebSocket => new WebSocketTransport(
            _options.WebSocketEncoding == WebSocketEncoding.Json ? JsonFrameCodec.Instance : MessagePackFrameCodec.Instance,
            _options.MaxFrameBytes, _options.EnableCompression, _time),
        TransportKind.ServerSentEvents => new ServerSentEventsTransport(_http.Value, _options.MaxFrameBytes, _time),
        TransportKind.LongPolling => new LongPollingTransport(_http.Value, _options.MaxFrameBytes, _time),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown transport."),
    };

    // The connection loop: connect (with fallback), run until the connection ends, classify why, ask the policy,
    // wait (interruptibly), repeat. Only this loop sets Connecting/Connected/Reconnecting.
    private async Task SuperviseAsync(CancellationToken stopping)
    {
        var attempt = 0;
        var healthySince = _time.GetUtcNow();
        var refreshToken = false;
        ConnectionFailure? failure = null;
        while (!stopping.IsCancellationRequested)
        {
            if (attempt == 0)
            {
                SetStatus(new ConnectionStatus(ConnectionState.Connecting, LastFailure: failure));
            }

            // A network signal that arrives while this attempt is under way (or while its connection lives) cuts the next
            // backoff short: the signal must not be lost because no wait had started yet.
            var wakeUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _wakeUp, wakeUp);
            ClientConnection? connection = null;
            try
            {
                connection = await ConnectAsync(refreshToken, stopping).ConfigureAwait(false);
                // The token worked: a later 401 (it expired) earns a fresh refresh again.
                refreshToken = false;
                var connectedAt = _time.GetUtcNow();
                _firstConnected.TrySetResult();
                failure = RefusedOnThePath(await RunUntilLostAsync(connection, stopping).ConfigureAwait(false));
                if (_time.GetUtcNow() - connectedAt >= _options.HealthyConnectionTime)
                {
                    attempt = 0;
                    refreshToken = false;
                    healthySince = _time.GetUtcNow();
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (ConvergeConnectionException ex)
            {
                failure = ex.Failure;
            }
            catch (Exception ex)
            {
                Log.ConnectFailed(_logger, ex);
                failure = FailureClassifier.FromException(ex, _time.GetUtcNow());
            }

            if (stopping.IsCancellationRequested)
            {
                break;
            }

            Log.ConnectionEnded(_logger, failure.Kind, failure.Message);
            if (failure.Kind == FailureKind.Unauthorized && !refreshToken)
            {
                // One fresh token, at once; a second 401 means the credentials themselves are refused.
                refreshToken = true;
                attempt++;
                continue;
            }

            var delay = failure.Kind == FailureKind.Unauthorized
                ? null
                : _options.ReconnectPolicy.NextRetryDelay(new ReconnectContext(++attempt, _time.GetUtcNow() - healthySince, failure));
            if (delay is not { } wait)
            {
                Log.GaveUp(_logger, failure.Kind, failure.Message);
                SetStatus(new ConnectionStatus(ConnectionState.Disconnected, LastFailure: failure));
                _firstConnected.TrySetException(new ConvergeConnectionException(failure));
                return;
            }

            // The wait starts before it is announced, so whoever reacts to the status sees a wait already under way.
            // A wait the server asked for (Retry-After) is honoured in full; only our own backoff yields to the network signal.
            var waiting = WaitAsync(wait, failure is { Kind: FailureKind.RateLimited, RetryAfter: not null } ? null : wakeUp.Task, stopping);
            SetStatus(new ConnectionStatus(ConnectionState.Reconnecting, Attempt: attempt, RetryDelay: wait, LastFailure: failure));
            await waiting.ConfigureAwait(false);
        }

        SetStatus(new ConnectionStatus(ConnectionState.Disconnected, LastFailure: failure));
        _firstConnected.TrySetCanceled(stopping);
    }

    // An HTTP request of a live session refused with a final status (a 403 on an uplink POST) may be a proxy on this
    // transport's path rather than the server's verdict: only a fresh connect attempt, which tries every transport,
    // can tell, so the failure goes through the backoff like a lost connection. A close code is the server's own word
    // and stays final, as does any refusal of the connect attempt itself.
    private static ConnectionFailure RefusedOnThePath(ConnectionFailure failure) =>
        failure is { IsRetryable: false, StatusCode: not null, CloseCode: null }
            ? failure with { Kind = FailureKind.ConnectionLost }
            : failure;

    // Waits for the connection to end; while it is a fallback, tries the preferred transports every
    // UpgradeProbeInterval and moves to the first that connects (the old connection then closes cleanly).
    private async Task<ConnectionFailure> RunUntilLostAsync(ClientConnection connection, CancellationToken stopping)
    {
        while (true)
        {
            var better = _options.Transports.TakeWhile(kind => kind != connection.Kind).ToArray();
            if (better.Length == 0)
            {
                return await connection.Completion.ConfigureAwait(false);
            }

            using var probe = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            var probeDue = Task.Delay(_options.UpgradeProbeInterval, _time, probe.Token);
            if (await Task.WhenAny(connection.Completion, probeDue).ConfigureAwait(false) == connection.Completion)
            {
                await probe.CancelAsync().ConfigureAwait(false);
                return await connection.Completion.ConfigureAwait(false);
            }

            if (stopping.IsCancellationRequested)
            {
                return await connection.Completion.ConfigureAwait(false);
            }

            foreach (var kind in better)
            {
                try
                {
                    var upgraded = await ConnectWithAsync(kind, refreshToken: false, stopping).ConfigureAwait(false);
                    Log.Upgraded(_logger, connection.Transport.Name, upgraded.Transport.Name);
                    connection.RequestClose(ConvergeCloseCode.Normal, $"Moved to {upgraded.Transport.Name}.", CloseTimeout);
                    connection = upgraded;
                    break;
                }
                catch (ConvergeConnectionException ex)
                {
                    Log.TransportFailed(_logger, kind, ex.Failure.Kind, ex.Message);
                    if (connection.Completion.IsCompleted)
                    {
                        break;
                    }
                }
            }
        }
    }

    // The backoff wait, cut short by NotifyNetworkAvailable or by stopping.
    private async Task WaitAsync(TimeSpan delay, Task? wakeUp, CancellationToken stopping)
    {
        try
        {
            var sleeping = Task.Delay(delay, _time, stopping);
            await (wakeUp is null ? sleeping : Task.WhenAny(sleeping, wakeUp)).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    // One attempt across the transports in order of preference: a transport that cannot connect (a proxy that answers
    // the WebSocket upgrade with 403, a refused or buffered event stream) yields to the next. Failures that concern the
    // server or the credentials rather than the path (401, 429/503, DNS) end the attempt at once. When every transport
    // fails, a retryable failure wins over a final one: one transport blocked by a proxy and the server briefly down
    // must mean "retry", not "give up".
    private async Task<ClientConnection> ConnectAsync(bool refreshToken, CancellationToken stopping)
    {
        var failures = new List<ConvergeConnectionException>();
        foreach (var kind in _options.Transports)
        {
            try
            {
                return await ConnectWithAsync(kind, refreshToken, stopping).ConfigureAwait(false);
            }
            catch (ConvergeConnectionException ex) when (!stopping.IsCancellationRequested)
            {
                Log.TransportFailed(_logger, kind, ex.Failure.Kind, ex.Message);
                failures.Add(ex);
                if (ex.Failure.Kind is FailureKind.Unauthorized or FailureKind.RateLimited or FailureKind.DnsFailure)
                {
                    throw;
                }
            }
        }

        throw failures.FirstOrDefault(static f => f.Failure.IsRetryable) ?? failures[0];
    }

    private async Task<ClientConnection> ConnectWithAsync(TransportKind kind, bool refreshToken, CancellationToken stopping)
    {
        using var handshake = new CancellationTokenSource(_options.HandshakeTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(handshake.Token, stopping);
        var transport = _transportFactory(kind);
        var connection = new ClientConnection(transport, kind, _time);
        try
        {
            var token = _options.AccessTokenProvider is { } provider
                ? await provider(new AccessTokenRequest(refreshToken), linked.Token).ConfigureAwait(false)
                : null;
            var subscriptions = HelloSubscriptions(kind);
            var hello = new HelloFrame(ConvergeProtocol.Version, ClientId, token, subscriptions.Length > 0 ? subscriptions : null);
            await transport.ConnectAsync(_serverUri, hello, token, linked.Token).ConfigureAwait(false);
            connection.SendLoop = SendLoopAsync(connection);
            connection.ReceiveLoop = ReceiveLoopAsync(connection);
            var welcome = await connection.Welcome.Task.WaitAsync(linked.Token).ConfigureAwait(false);
            if (welcome.ProtocolVersion != ConvergeProtocol.Version)
            {
                throw new ConvergeConnectionException(new ConnectionFailure(FailureKind.Fatal,
                    $"The server answered with protocol v{welcome.ProtocolVersion}; this client speaks v{ConvergeProtocol.Version}.",
                    CloseCode: ConvergeCloseCode.UnsupportedVersion));
            }

            connection.Pushes.Limit = Math.Min(_options.MaxChangesInFlight, welcome.MaxPendingChanges ?? int.MaxValue);
            connection.StartHeartbeat(_options.Heartbeat, TimeSpan.FromMilliseconds(welcome.HeartbeatIntervalMs), _time);
            Log.Connected(_logger, transport.Name, welcome.SessionId);
            var inHello = subscriptions.Select(static s => s.DocumentId).ToHashSet(StringComparer.Ordinal);
            lock (_documentsGate)
            {
                // Only a welcomed connection becomes current: a failed attempt (or upgrade probe) never detaches a
                // working one. Everything pending goes out again here: after an upgrade, acks still owed on the old
                // connection may never come, and a repeated change is only acknowledged again, never applied twice.
                _connection = connection;
                _presence.AnnounceAll();
                foreach (var document in _documents.Values)
                {
                    document.MoveToNewConnection();
                    if (!inHello.Contains(document.Id))
                    {
                        var subscription = document.Cursor();
                        connection.Outbound.Writer.TryWrite(new SubscribeFrame(subscription.DocumentId, subscription.Since));
                    }
                }
            }

            foreach (var document in _documents.Values)
            {
                // Bounded frames: hours of offline edits must not become one frame over the server's size limit.
                EnqueueUnsent(connection, document, welcome.MaxFrameBytes / 2);
            }

            SetStatus(new ConnectionStatus(ConnectionState.Connected, transport.Name));
            return connection;
        }
        catch (Exception ex)
        {
            var failure = ex switch
            {
                ConvergeConnectionException connectionException => connectionException.Failure,
                OperationCanceledException when handshake.IsCancellationRequested && !stopping.IsCancellationRequested =>
                    new ConnectionFailure(FailureKind.Timeout, $"The {transport.Name} handshake did not complete within {_options.HandshakeTimeout}."),
                _ => FailureClassifier.FromException(ex, _time.GetUtcNow()),
            };
            connection.Fail(failure, TimeSpan.Zero);
            await connection.ReceiveLoop.ConfigureAwait(false);
            await ForgetAsync(connection).ConfigureAwait(false);
            stopping.ThrowIfCancellationRequested();
            throw ex as ConvergeConnectionException ?? new ConvergeConnectionException(failure, ex);
        }
    }

    // The HTTP transports carry the hello in the URL (EventSource can send nothing else), and servers cap request lines
    // (Kestrel: 8 KiB). Subscriptions past the budget are sent as subscribe frames once the session is open.
    private Subscription[] HelloSubscriptions(TransportKind kind)
    {
        var all = _documents.Values.Select(static d => d.Cursor()).ToArray();
        if (kind == TransportKind.WebSocket)
        {
            return all;
        }

        var budget = HttpHelloBudget;
        return all.TakeWhile(s => (budget -= s.DocumentId.Length * 3 + 40) > 0).ToArray();
    }

    private async Task SendLoopAsync(ClientConnection connection)
    {
        var transport = connection.Transport;
        try
        {
            await foreach (var frame in connection.Outbound.Reader.ReadAllAsync(connection.Lifetime.Token).ConfigureAwait(false))
            {
                await transport.SendAsync(frame, connection.Lifetime.Token).ConfigureAwait(false);
            }

            if (connection.CloseRequest is { } close)
            {
                await transport.CloseAsync(close.Code ?? ConvergeCloseCode.Normal, close.Reason, connection.Lifetime.Token).ConfigureAwait(false);
            }
        }
        catch (ConvergeConnectionException ex)
        {
            // An HTTP uplink refused (404 session gone, 429 with Retry-After, 5xx): the connection ends with that reason.
            Log.SendEnded(_logger, ex.Message);
            connection.Fail(ex.Failure, TimeSpan.Zero);
            await connection.Lifetime.CancelAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or System.Net.WebSockets.WebSocketException or IOException or ObjectDisposedException or HttpRequestException)
        {
            Log.SendEnded(_logger, ex.Message);
            await connection.Lifetime.CancelAsync().ConfigureAwait(false);
        }
    }

    private async Task ReceiveLoopAsync(ClientConnection connection)
    {
        try
        {
            while (await connection.Transport.ReceiveAsync(connection.Lifetime.Token).ConfigureAwait(false) is { } frame)
            {
                connection.OnInbound();
                Dispatch(connection, frame);
            }
        }
        catch (ProtocolException ex)
        {
            Log.ProtocolViolation(_logger, ex.ErrorCode, ex.Message);
            connection.Fail(new ConnectionFailure(FailureKind.Fatal, $"The server broke the protocol: {ex.Message}", CloseCode: ex.CloseCode), CloseTimeout);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            await ForgetAsync(connection).ConfigureAwait(false);
        }
    }

    private void Dispatch(ClientConnection connection, Frame frame)
    {
        if (connection.CloseRequest is not null)
        {
            return;
        }

        switch (frame)
        {
            case WelcomeFrame welcome:
                connection.Welcome.TrySetResult(welcome);
                break;
            case SnapshotFrame snapshot:
                Document(snapshot.DocumentId)?.OnSnapshot(snapshot);
                break;
            case ChangesFrame changes:
                Document(changes.DocumentId)?.OnChanges(changes);
                break;
            case AckFrame ack:
                Document(ack.DocumentId)?.OnAck(ack);
                OnPushAnswered(connection);
                break;
            case RejectFrame reject:
                Document(reject.DocumentId)?.OnReject(reject);
                OnPushAnswered(connection);
                break;
            case SubscribedFrame subscribed:
                Document(subscribed.DocumentId)?.OnSubscribed(subscribed);
                break;
            case ErrorFrame { DocumentId: { } documentId } error:
                Document(documentId)?.OnError(error);
                break;
            case ErrorFrame error:
                connection.LastError = error;
                Log.ServerError(_logger, error.Code, error.Message);
                break;
            case PingFrame ping:
                connection.Outbound.Writer.TryWrite(new PongFrame(ping.Payload));
                break;
            case PongFrame:
                break;
            case PresenceSnapshotFrame or PresenceDiffFrame or PresenceRejectedFrame:
                _presence.Dispatch(frame);
                break;
            default:
                connection.Fail(new ConnectionFailure(FailureKind.Fatal, $"A server must not send '{frame.GetType().Name}'.", CloseCode: ConvergeCloseCode.UnexpectedFrame), CloseTimeout);
                break;
        }
    }

    private ConvergeDocument? Document(string documentId) => _documents.GetValueOrDefault(documentId);

    // Runs once per connection, when its receive side is done: detach it, reset documents, classify the end.
    private async Task ForgetAsync(ClientConnection connection)
    {
        bool wasCurrent;
        lock (_documentsGate)
        {
            wasCurrent = _connection == connection;
            if (wasCurrent)
            {
                _connection = null;
            }
        }

        connection.Outbound.Writer.TryComplete();
        await connection.Lifetime.CancelAsync().ConfigureAwait(false);
        await connection.SendLoop.ConfigureAwait(false);
        if (wasCurrent)
        {
            foreach (var document in _documents.Values)
            {
                document.OnDisconnected();
            }
        }

        connection.Complete();
        await connection.Transport.DisposeAsync().ConfigureAwait(false);
        connection.Dispose();
    }

    private void SetStatus(ConnectionStatus status)
    {
        Volatile.Write(ref _status, status);
        try
        {
            StatusChanged?.Invoke(this, new ConnectionStatusChangedEventArgs(status));
        }
#pragma warning disable CA1031 // An app's handler must not be able to stop the connection loop.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.HandlerFailed(_logger, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 200, EventName = "ClientConnected", Level = LogLevel.Information, Message = "Connected over {Transport} (session {SessionId}).")]
        public static partial void Connected(ILogger logger, string transport, string sessionId);

        [LoggerMessage(EventId = 201, EventName = "ClientConnectionEnded", Level = LogLevel.Information, Message = "Connection ended ({Kind}): {Reason}")]
        public static partial void ConnectionEnded(ILogger logger, FailureKind kind, string reason);

        [LoggerMessage(EventId = 202, EventName = "ClientProtocolViolation", Level = LogLevel.Warning, Message = "The server broke the protocol ({Code}): {Detail}. Closing.")]
        public static partial void ProtocolViolation(ILogger logger, string code, string detail);

        [LoggerMessage(EventId = 203, EventName = "ClientServerError", Level = LogLevel.Warning, Message = "Server error {Code}: {Message}")]
        public static partial void ServerError(ILogger logger, string code, string message);

        [LoggerMessage(EventId = 204, EventName = "ClientSendEnded", Level = LogLevel.Debug, Message = "Send loop ended: {Reason}")]
        public static partial void SendEnded(ILogger logger, string reason);

        [LoggerMessage(EventId = 205, EventName = "ClientTransportFailed", Level = LogLevel.Information, Message = "Transport {Transport} could not connect ({Kind}): {Reason}")]
        public static partial void TransportFailed(ILogger logger, TransportKind transport, FailureKind kind, string reason);

        [LoggerMessage(EventId = 206, EventName = "ClientGaveUp", Level = LogLevel.Warning, Message = "Stopped reconnecting ({Kind}): {Reason}")]
        public static partial void GaveUp(ILogger logger, FailureKind kind, string reason);

        [LoggerMessage(EventId = 207, EventName = "ClientConnectFailed", Level = LogLevel.Error, Message = "Connecting failed unexpectedly.")]
        public static partial void ConnectFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 209, EventName = "ClientTransportUpgraded", Level = LogLevel.Information, Message = "Moved from {From} to the preferred {To}.")]
        public static partial void Upgraded(ILogger logger, string from, string to);

        [LoggerMessage(EventId = 208, EventName = "ClientStatusHandlerFailed", Level = LogLevel.Error, Message = "A StatusChanged handler threw.")]
        public static partial void HandlerFailed(ILogger logger, Exception exception);
    }
}
