using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Converge.Testing.Faults;

/// <summary>
/// A loopback TCP proxy that tests put between a client and a server to inject network faults: latency and
/// jitter, a bandwidth cap, dropped connections (now, or after N bytes), a blackhole, refused connections,
/// blocked WebSocket upgrades or HTTP paths, and a buffering proxy. Every fault is switched at run time from
/// any thread and applies to live and new connections as each method documents; <see cref="Restore"/> clears
/// them all. <see cref="Script"/> plays a timed sequence of switches. Semantics: docs/fault-proxy.md.
/// </summary>
/// <example>
/// <code>
/// await using var proxy = FaultProxy.Start(new IPEndPoint(IPAddress.Loopback, server.Port));
/// var client = new ConvergeClient(new() { ServerUri = proxy.ToProxyUri(server.SyncUri) });
/// proxy.SetLatency(TimeSpan.FromMilliseconds(500));
/// </code>
/// </example>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly ConcurrentDictionary<long, ProxyConnection> _connections = new();
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Lock _scriptsLock = new();
    private readonly List<Task> _scripts = [];
    private readonly Task _acceptLoop;
    private TaskCompletionSource _connectionsChanged = NewSignal();
    private long _nextConnectionId;
    private long _acceptedConnections;
    private long _refusedConnections;
    private long _bytesClientToServer;
    private long _bytesServerToClient;
    private int _disposed;

    private FaultProxy(IPEndPoint target, FaultProxyOptions options)
    {
        Target = target;
        Options = options;
        _listener = new Socket(options.ListenAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _listener.Bind(new IPEndPoint(options.ListenAddress, options.Port));
            _listener.Listen(options.Backlog);
        }
        catch
        {
            _listener.Dispose();
            throw;
        }

        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>The address the proxy listens on (its port is the one the OS picked when <see cref="FaultProxyOptions.Port"/> was 0).</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The port the proxy listens on.</summary>
    public int Port => EndPoint.Port;

    /// <summary>Where every accepted connection is forwarded.</summary>
    public IPEndPoint Target { get; }

    /// <summary>Connections open right now (accepted and not yet ended).</summary>
    public int LiveConnections => _connections.Count;

    /// <summary>Connections accepted and forwarded since the start (refused ones not included).</summary>
    public long AcceptedConnections => Interlocked.Read(ref _acceptedConnections);

    /// <summary>Connections reset at once because <see cref="RefuseNewConnections"/> was on.</summary>
    public long RefusedConnections => Interlocked.Read(ref _refusedConnections);

    /// <summary>Bytes written to the target since the start, over all connections.</summary>
    public long BytesClientToServer => Interlocked.Read(ref _bytesClientToServer);

    /// <summary>Bytes written back to clients since the start, over all connections (proxy-made rejections included).</summary>
    public long BytesServerToClient => Interlocked.Read(ref _bytesServerToClient);

    /// <summary>True between <see cref="Blackhole"/> and <see cref="EndBlackhole"/> (or <see cref="Restore"/>).</summary>
    public bool IsBlackholed => !Settings.Flow.IsOpen;

    internal FaultSettings Settings { get; } = new();

    internal FaultProxyOptions Options { get; }

    internal CancellationToken Lifetime => _lifetime.Token;

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Starts a proxy that listens at once (on 127.0.0.1 and a free port unless <paramref name="options"/> say otherwise) and forwards to <paramref name="target"/>.</summary>
    public static FaultProxy Start(IPEndPoint target, FaultProxyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        options ??= new FaultProxyOptions();
        options.Validate();
        return new FaultProxy(target, options);
    }

    /// <summary>Starts a proxy that forwards to <paramref name="host"/>:<paramref name="port"/> (resolved once, now; IPv4 preferred).</summary>
    public static async Task<FaultProxy> StartAsync(string host, int port, FaultProxyOptions? options = null, CancellationToken cancellationToken = default)
    {
        var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        var address = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.First();
        return Start(new IPEndPoint(address, port), options);
    }

    /// <summary>
    /// <paramref name="serverUri"/> with its host and port replaced by the proxy's, e.g. <c>ws://127.0.0.1:5000/sync</c>
    /// → <c>ws://127.0.0.1:41234/sync</c>: what to give a client so that it goes through the proxy.
    /// </summary>
    public Uri ToProxyUri(Uri serverUri)
    {
        ArgumentNullException.ThrowIfNull(serverUri);
        return new UriBuilder(serverUri) { Host = EndPoint.Address.ToString(), Port = Port }.Uri;
    }

    /// <summary>
    /// Delays every byte by <paramref name="latency"/> plus a uniform random [0, <paramref name="jitter"/>] (seeded by
    /// <see cref="FaultProxyOptions.Seed"/>) in <paramref name="directions"/>, for bytes read from now on, on live and new
    /// connections. Byte order is preserved (a chunk never overtakes the one before) and each direction is delayed
    /// independently. <see cref="TimeSpan.Zero"/> turns it off.
    /// </summary>
    public void SetLatency(TimeSpan latency, TimeSpan jitter = default, ProxyDirections directions = ProxyDirections.Both)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(latency, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(jitter, TimeSpan.Zero);
        Settings.Update(directions, f => f with { Latency = latency, Jitter = jitter });
    }

    /// <summary>
    /// Caps each connection's throughput in <paramref name="directions"/> at <paramref name="bytesPerSecond"/>
    /// (paced in slices of about 50 ms, without bursts after idle time), on live and new connections; null removes the cap.
    /// </summary>
    public void SetBandwidth(long? bytesPerSecond, ProxyDirections directions = ProxyDirections.Both)
    {
        if (bytesPerSecond is { } rate)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(rate, 1);
        }

        Settings.Update(directions, f => f with { BytesPerSecond = bytesPerSecond });
    }

    /// <summary>Resets every live connection now: both the client and the server see a connection reset (RST). New connections are unaffected. Returns how many were dropped.</summary>
    public int DropConnections()
    {
        var dropped = 0;
        foreach (var connection in _connections.Values)
        {
            connection.Abort();
            dropped++;
        }

        return dropped;
    }

    /// <summary>
    /// Arms a cut in <paramref name="directions"/>: a connection forwards at most <paramref name="byteCount"/> more bytes
    /// that way (counted from now on live connections, from their start on new ones), and is reset instead of
    /// forwarding the next byte. With <paramref name="everyConnection"/> false (the default) only the first connection
    /// to get there is cut and the trip disarms; true cuts every connection until <see cref="CancelDropAfter"/>.
    /// <c>DropAfter(ServerToClient, 0)</c> after a client sent a change cuts it after the server committed, before the ack arrives.
    /// </summary>
    public void DropAfter(ProxyDirections directions, long byteCount, bool everyConnection = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(byteCount);
        var trip = new DropTrip(byteCount, everyConnection);
        Settings.Update(directions, f => f with { Trip = trip });
    }

    /// <summary>Disarms <see cref="DropAfter"/> in <paramref name="directions"/>.</summary>
    public void CancelDropAfter(ProxyDirections directions = ProxyDirections.Both) => Settings.Update(directions, f => f with { Trip = null });

    /// <summary>
    /// Stops forwarding in both directions on every connection without closing anything: peers see silence, like a
    /// network partition. Bytes already read stay queued and the proxy stops reading, so TCP flow control stalls the
    /// senders; nothing is lost. Closes (FIN) are held too. New connections are accepted by the OS but the proxy does
    /// not connect them to the target until the blackhole ends. <see cref="EndBlackhole"/> resumes all of it in order.
    /// </summary>
    public void Blackhole() => Settings.Flow.Close();

    /// <summary>Ends <see cref="Blackhole"/>: queued bytes flow at once (their latency has already passed), then new ones as usual.</summary>
    public void EndBlackhole() => Settings.Flow.Open();

    /// <summary>
    /// New connections are accepted and reset at once (RST) while live ones continue. The listening socket stays
    /// open so the port is kept: a client's TCP connect succeeds, then its first read or write fails with a
    /// connection reset (not "connection refused").
    /// </summary>
    public void RefuseNewConnections() => Settings.RefuseNewConnections = true;

    /// <summary>Ends <see cref="RefuseNewConnections"/>.</summary>
    public void AcceptNewConnections() => Settings.RefuseNewConnections = false;

    /// <summary>Answers any HTTP request carrying <c>Upgrade: websocket</c> with <paramref name="statusCode"/> (default 403) and closes its connection; other requests pass.</summary>
    public void BlockWebSocketUpgrades(int statusCode = 403) => BlockWebSocketUpgrades(new HttpRejection(statusCode));

    /// <summary>
    /// Answers any HTTP request carrying <c>Upgrade: websocket</c> with <paramref name="rejection"/> and closes its
    /// connection; the request never reaches the server. Plain requests (SSE, long polling, POSTs) pass. Every request
    /// head on every connection is checked from now on, including later requests on a kept-alive connection.
    /// </summary>
    public void BlockWebSocketUpgrades(HttpRejection rejection)
    {
        ArgumentNullException.ThrowIfNull(rejection);
        _ = rejection.Encode();
        Settings.WebSocketRejection = rejection;
    }

    /// <summary>Ends <see cref="BlockWebSocketUpgrades(HttpRejection)"/>.</summary>
    public void AllowWebSocketUpgrades() => Settings.WebSocketRejection = null;

    /// <summary>Answers requests whose path starts with <paramref name="pathPrefix"/> (ordinal) with <paramref name="statusCode"/> (default 403).</summary>
    public void BlockRequests(string pathPrefix, int statusCode = 403) => BlockRequests(pathPrefix, new HttpRejection(statusCode));

    /// <summary>Answers requests whose path starts with <paramref name="pathPrefix"/> (ordinal) with <paramref name="rejection"/>.</summary>
    public void BlockRequests(string pathPrefix, HttpRejection rejection)
    {
        ArgumentNullException.ThrowIfNull(pathPrefix);
        BlockRequests(head => head.Path.StartsWith(pathPrefix, StringComparison.Ordinal), rejection);
    }

    /// <summary>Answers requests matching <paramref name="match"/> with <paramref name="statusCode"/> (default 403).</summary>
    public void BlockRequests(Func<HttpRequestHead, bool> match, int statusCode = 403) => BlockRequests(match, new HttpRejection(statusCode));

    /// <summary>
    /// Answers HTTP requests matching <paramref name="match"/> with <paramref name="rejection"/> and closes their
    /// connection; the request never reaches the server. Replaces any earlier request block (combine predicates to
    /// block several things). Applies to every request head from now on, as <see cref="BlockWebSocketUpgrades(HttpRejection)"/> does.
    /// </summary>
    public void BlockRequests(Func<HttpRequestHead, bool> match, HttpRejection rejection)
    {
        ArgumentNullException.ThrowIfNull(match);
        ArgumentNullException.ThrowIfNull(rejection);
        _ = rejection.Encode();
        Settings.RequestBlock = new RequestBlock(match, rejection);
    }

    /// <summary>Ends <see cref="BlockRequests(Func{HttpRequestHead, bool}, HttpRejection)"/>.</summary>
    public void AllowAllRequests() => Settings.RequestBlock = null;

    /// <summary>
    /// Acts as a proxy that hangs on some requests: an HTTP request whose path starts with <paramref name="pathPrefix"/>
    /// (ordinal) is neither forwarded nor answered, and its connection stays open, silent, until the client closes it.
    /// Unlike <see cref="BufferResponses"/> it applies to every request head from now on, including later requests on a
    /// kept-alive connection (browsers reuse their pooled connections).
    /// </summary>
    public void SwallowRequests(string pathPrefix)
    {
        ArgumentNullException.ThrowIfNull(pathPrefix);
        Settings.SwallowedRequests = head => head.Path.StartsWith(pathPrefix, StringComparison.Ordinal);
    }

    /// <summary>Ends <see cref="SwallowRequests"/> for requests from now on (swallowed ones stay unanswered).</summary>
    public void StopSwallowingRequests() => Settings.SwallowedRequests = null;

    /// <summary>
    /// Acts as a buffering reverse proxy for new connections: everything the server sends is held until the server
    /// closes the connection (or <see cref="FaultProxyOptions.MaxHeldResponseBytes"/> are held, then that much is
    /// released at once), so a streamed response (SSE) never trickles through. With <paramref name="match"/>, only
    /// connections whose first HTTP request matches are buffered; without, every new connection is. Live connections
    /// keep their behaviour.
    /// </summary>
    public void BufferResponses(Func<HttpRequestHead, bool>? match = null) => Settings.ResponseBuffering = new ResponseBuffering(match);

    /// <summary>Ends <see cref="BufferResponses"/> for connections accepted from now on.</summary>
    public void StopBufferingResponses() => Settings.ResponseBuffering = null;

    /// <summary>Clears every fault at once: no latency, no cap, no armed drop, no blackhole, no refusal, no blocks, no swallowed requests, no buffering for new connections.</summary>
    public void Restore() => Settings.Clear();

    /// <summary>A new, empty script of timed fault switches on this proxy; timed by <paramref name="timeProvider"/> (default: <see cref="FaultProxyOptions.TimeProvider"/>).</summary>
    public FaultScript Script(TimeProvider? timeProvider = null) => new(this, timeProvider ?? Options.TimeProvider);

    /// <summary>Completes when exactly <paramref name="count"/> connections are live (at once if they are now). Waits on connection events, never polls.</summary>
    public async Task UntilLiveConnectionsAsync(int count, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var changed = Volatile.Read(ref _connectionsChanged).Task;
            if (LiveConnections == count)
            {
                return;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops listening (the port is closed), resets every live connection, stops scripts, and waits until every socket is closed and every task ended.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _lifetime.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        DropConnections();
        await UntilLiveConnectionsAsync(0).ConfigureAwait(false);

        Task[] scripts;
        lock (_scriptsLock)
        {
            scripts = [.. _scripts];
        }

        foreach (var script in scripts)
        {
            try
            {
                await script.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Observed here so that a failed or cancelled script never surfaces as an unobserved task exception.
            }
        }

        _lifetime.Dispose();
    }

    internal void CountForwarded(ProxyDirections direction, int bytes) =>
        Interlocked.Add(ref direction == ProxyDirections.ClientToServer ? ref _bytesClientToServer : ref _bytesServerToClient, bytes);

    /// <summary>Keeps a running script so that <see cref="DisposeAsync"/> waits for it and observes its outcome.</summary>
    internal Task Track(Task script)
    {
        lock (_scriptsLock)
        {
            _scripts.RemoveAll(s => s.IsCompletedSuccessfully);
            _scripts.Add(script);
        }

        return script;
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_lifetime.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_lifetime.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                // A connection that died in the backlog (ECONNABORTED and the like): keep accepting.
                continue;
            }

            if (Settings.RefuseNewConnections)
            {
                Interlocked.Increment(ref _refusedConnections);
                ProxyConnection.Reset(client);
                continue;
            }

            client.NoDelay = true;
            var connection = new ProxyConnection(Interlocked.Increment(ref _nextConnectionId), client, this);
            _connections[connection.Id] = connection;
            Interlocked.Increment(ref _acceptedConnections);
            SignalConnectionsChanged();
            _ = RunConnectionAsync(connection);
        }
    }

    /// <summary>Runs one connection to its end, then unregisters it. Never throws (so the discarded task cannot go unobserved).</summary>
    private async Task RunConnectionAsync(ProxyConnection connection)
    {
        // Off the accept loop: connecting to the target must not delay the next accept.
        await Task.Yield();
        await connection.RunAsync(Target).ConfigureAwait(false);
        _connections.TryRemove(connection.Id, out _);
        SignalConnectionsChanged();
    }

    private void SignalConnectionsChanged() => Interlocked.Exchange(ref _connectionsChanged, NewSignal()).TrySetResult();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
