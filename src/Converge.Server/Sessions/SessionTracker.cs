namespace Converge.Server.Sessions;

/// <summary>Counts live sessions: each is counted from the moment its timers are armed until it has fully ended.</summary>
internal sealed class SessionTracker(Observability.ConvergeServerMetrics metrics)
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public Registration Track(string transport)
    {
        Interlocked.Increment(ref _count);
        metrics.ConnectionOpened(transport);
        return new Registration(this, transport);
    }

    internal readonly struct Registration(SessionTracker tracker, string transport) : IDisposable
    {
        public void Dispose()
        {
            Interlocked.Decrement(ref tracker._count);
            tracker.Metrics.ConnectionClosed(transport);
        }
    }

    private Observability.ConvergeServerMetrics Metrics => metrics;
}
