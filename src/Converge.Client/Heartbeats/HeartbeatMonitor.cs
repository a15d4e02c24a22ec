namespace Converge.Client.Heartbeats;

/// <summary>
/// Pings on an interval and declares the connection dead after too many unanswered pings. Any inbound frame counts
/// as an answer: a server busy streaming changes is alive even if its pong sits behind them in its queue.
/// </summary>
internal sealed class HeartbeatMonitor : IDisposable
{
    private readonly HeartbeatOptions _options;
    private readonly Action<long> _sendPing;
    private readonly Action _onDead;
    private readonly ITimer _intervalTimer;
    private readonly ITimer _timeoutTimer;
    private readonly Lock _gate = new();
    private long _nextPayload;
    private bool _awaiting;
    private int _misses;
    private bool _disposed;

    public HeartbeatMonitor(HeartbeatOptions options, TimeProvider time, Action<long> sendPing, Action onDead)
    {
        _options = options;
        _sendPing = sendPing;
        _onDead = onDead;
        _timeoutTimer = time.CreateTimer(static s => ((HeartbeatMonitor)s!).OnPongTimeout(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _intervalTimer = time.CreateTimer(static s => ((HeartbeatMonitor)s!).OnInterval(), this, options.Interval, options.Interval);
    }

    /// <summary>Something arrived from the server: it is alive.</summary>
    public void OnInbound()
    {
        lock (_gate)
        {
            _awaiting = false;
            _misses = 0;
            _timeoutTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _intervalTimer.Dispose();
        _timeoutTimer.Dispose();
    }

    private void OnInterval()
    {
        lock (_gate)
        {
            if (_disposed || _awaiting)
            {
                return;
            }

            Ping();
        }
    }

    private void OnPongTimeout()
    {
        var dead = false;
        lock (_gate)
        {
            if (_disposed || !_awaiting)
            {
                return;
            }

            _misses++;
            if (_misses >= _options.MissedPongThreshold)
            {
                dead = true;
                _disposed = true;
            }
            else
            {
                Ping();
            }
        }

        if (dead)
        {
            _onDead();
        }
    }

    // Must hold _gate.
    private void Ping()
    {
        _awaiting = true;
        _timeoutTimer.Change(_options.PongTimeout, Timeout.InfiniteTimeSpan);
        _sendPing(++_nextPayload);
    }
}
