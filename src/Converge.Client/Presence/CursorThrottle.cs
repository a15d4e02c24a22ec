namespace Converge.Client.Presence;

/// <summary>
/// Sends at most one cursor update per interval, leading edge and trailing edge: the first update after a quiet
/// interval goes at once, later ones wait for the interval to end, and only the latest of them goes (the article's
/// "throttle cursor updates"). The sender reads the latest value itself, so the throttle only tracks that one is due.
/// </summary>
internal sealed class CursorThrottle : IDisposable
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    // Sends the latest cursor; false when the link is busy and it should be tried again an interval later.
    private readonly Func<bool> _send;
    private readonly ITimer _timer;
    private long? _lastSent;
    private bool _due;
    private bool _armed;
    private bool _disposed;

    public CursorThrottle(TimeProvider time, TimeSpan interval, Func<bool> send)
    {
        _time = time;
        _interval = interval;
        _send = send;
        _timer = time.CreateTimer(static state => ((CursorThrottle)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>A newer cursor is waiting to go.</summary>
    public void Request()
    {
        lock (_gate)
        {
            _due = true;
            if (_armed || _disposed)
            {
                return;
            }

            var since = _lastSent is { } last ? _time.GetElapsedTime(last) : _interval;
            if (since >= _interval)
            {
                Fire();
            }
            else
            {
                Arm(_interval - since);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _timer.Dispose();
        }
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            _armed = false;
            if (_due && !_disposed)
            {
                Fire();
            }
        }
    }

    // Must hold _gate, with at least an interval since the last send.
    private void Fire()
    {
        if (!_send())
        {
            Arm(_interval);
            return;
        }

        _due = false;
        _lastSent = _time.GetTimestamp();
    }

    // Must hold _gate.
    private void Arm(TimeSpan due)
    {
        _armed = true;
        _timer.Change(due, Timeout.InfiniteTimeSpan);
    }
}
