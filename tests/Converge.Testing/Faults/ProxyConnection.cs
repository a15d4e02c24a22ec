using System.Net;
using System.Net.Sockets;

namespace Converge.Testing.Faults;

/// <summary>
/// One accepted client socket, the socket the proxy opened to the target for it, and the two pumps between them.
/// It ends gracefully when both directions have forwarded their end of stream, or abortively (RST on both
/// sockets) on any error, on a drop fault, or when the proxy is disposed.
/// </summary>
internal sealed class ProxyConnection
{
    private readonly FaultProxy _proxy;
    private readonly Socket _client;
    private readonly CancellationTokenSource _cancellation = new();
    private Socket? _server;
    private DirectionPump? _serverToClient;
    private int _aborted;
    private bool _sawFirstRequest;
    private volatile bool _holdsResponses;

    public ProxyConnection(long id, Socket client, FaultProxy proxy)
    {
        Id = id;
        _client = client;
        _proxy = proxy;
        _holdsResponses = Settings.ResponseBuffering is { Match: null };
    }

    public long Id { get; }

    public FaultSettings Settings => _proxy.Settings;

    public FaultProxyOptions Options => _proxy.Options;

    /// <summary>True when this connection's responses are held (the buffering-proxy fault).</summary>
    public bool HoldsResponses => _holdsResponses;

    /// <summary>Connects to the target and pumps both ways until the connection ends. Never throws.</summary>
    public async Task RunAsync(IPEndPoint target)
    {
        var cancellationToken = _cancellation.Token;
        try
        {
            // During a blackhole the target does not even see the connection attempt.
            await Settings.Flow.WaitOpenAsync(cancellationToken);
            _server = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                connectTimeout.CancelAfter(Options.ConnectTimeout);
                await _server.ConnectAsync(target, connectTimeout.Token);
            }

            // Deterministic per connection and direction, so a seeded run jitters the same way each time.
            var seed = unchecked((Options.Seed * 397) ^ (int)(Id * 2));
            var clientToServer = new DirectionPump(this, _client, _server, ProxyDirections.ClientToServer, seed);
            _serverToClient = new DirectionPump(this, _server, _client, ProxyDirections.ServerToClient, seed + 1);
            await Task.WhenAll(clientToServer.RunAsync(cancellationToken), _serverToClient.RunAsync(cancellationToken));
        }
        catch (Exception)
        {
            // The target refused or did not answer in time, or the proxy is going away: the client sees a reset.
            Abort();
        }
        finally
        {
            _client.Dispose();
            _server?.Dispose();
            _cancellation.Dispose();
        }
    }

    /// <summary>Resets both sockets now (RST, not FIN) and stops both pumps. Safe to call any number of times, from any thread.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0)
        {
            return;
        }

        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already ended.
        }

        Reset(_client);
        if (Volatile.Read(ref _server) is { } server)
        {
            Reset(server);
        }
    }

    /// <summary>Decides on one request head: the rejection to answer with, or null to forward it.</summary>
    public HttpRejection? Admit(HttpRequestHead head)
    {
        if (!_sawFirstRequest)
        {
            _sawFirstRequest = true;
            if (Settings.ResponseBuffering is { Match: { } match } && match(head))
            {
                _holdsResponses = true;
            }
        }

        if (head.IsWebSocketUpgrade && Settings.WebSocketRejection is { } webSocketRejection)
        {
            return webSocketRejection;
        }

        return Settings.RequestBlock is { } block && block.Match(head) ? block.Rejection : null;
    }

    /// <summary>True when <paramref name="head"/> is to be swallowed: neither forwarded nor answered.</summary>
    public bool Swallows(HttpRequestHead head) => Settings.SwallowedRequests is { } match && match(head);

    /// <summary>Answers the client with <paramref name="rejection"/> in place of the server.</summary>
    public ValueTask RejectAsync(HttpRejection rejection, CancellationToken cancellationToken) =>
        _serverToClient is { } pump ? pump.RejectAsync(rejection, cancellationToken) : ValueTask.CompletedTask;

    public void CountForwarded(ProxyDirections direction, int bytes) => _proxy.CountForwarded(direction, bytes);

    /// <summary>Closes a socket abortively: a zero linger makes the close send RST and drop unsent data.</summary>
    internal static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed: nothing to reset.
        }

        socket.Dispose();
    }
}
