namespace Converge.Testing.Faults;

/// <summary>
/// The faults in force right now, shared by the proxy (which switches them) and every pump (which reads them on
/// each read and write). Each switch is a single reference or flag written atomically, so pumps need no lock;
/// the only lock serialises read-modify-write updates of one direction's <see cref="DirectionFaults"/>.
/// </summary>
internal sealed class FaultSettings
{
    private readonly Lock _lock = new();
    private DirectionFaults _clientToServer = DirectionFaults.None;
    private DirectionFaults _serverToClient = DirectionFaults.None;
    private volatile bool _refuseNewConnections;
    private volatile HttpRejection? _webSocketRejection;
    private volatile RequestBlock? _requestBlock;
    private volatile ResponseBuffering? _responseBuffering;
    private volatile Func<HttpRequestHead, bool>? _swallowedRequests;

    /// <summary>Closed while blackholed.</summary>
    public FlowGate Flow { get; } = new();

    public bool RefuseNewConnections
    {
        get => _refuseNewConnections;
        set => _refuseNewConnections = value;
    }

    public HttpRejection? WebSocketRejection
    {
        get => _webSocketRejection;
        set => _webSocketRejection = value;
    }

    public RequestBlock? RequestBlock
    {
        get => _requestBlock;
        set => _requestBlock = value;
    }

    public ResponseBuffering? ResponseBuffering
    {
        get => _responseBuffering;
        set => _responseBuffering = value;
    }

    /// <summary>Requests that are never forwarded nor answered (a proxy that hangs on them), or null.</summary>
    public Func<HttpRequestHead, bool>? SwallowedRequests
    {
        get => _swallowedRequests;
        set => _swallowedRequests = value;
    }

    public DirectionFaults For(ProxyDirections direction) => direction == ProxyDirections.ClientToServer
        ? Volatile.Read(ref _clientToServer)
        : Volatile.Read(ref _serverToClient);

    /// <summary>Applies <paramref name="change"/> to each direction in <paramref name="directions"/>.</summary>
    public void Update(ProxyDirections directions, Func<DirectionFaults, DirectionFaults> change)
    {
        lock (_lock)
        {
            if (directions.HasFlag(ProxyDirections.ClientToServer))
            {
                Volatile.Write(ref _clientToServer, change(_clientToServer));
            }

            if (directions.HasFlag(ProxyDirections.ServerToClient))
            {
                Volatile.Write(ref _serverToClient, change(_serverToClient));
            }
        }
    }

    /// <summary>Disarms <paramref name="trip"/> wherever it is still armed (a one-shot trip that fired).</summary>
    public void Disarm(DropTrip trip) => Update(ProxyDirections.Both, f => f.Trip == trip ? f with { Trip = null } : f);

    /// <summary>Clears every fault: the proxy forwards faithfully again.</summary>
    public void Clear()
    {
        Update(ProxyDirections.Both, _ => DirectionFaults.None);
        RefuseNewConnections = false;
        WebSocketRejection = null;
        RequestBlock = null;
        ResponseBuffering = null;
        SwallowedRequests = null;
        Flow.Open();
    }
}
