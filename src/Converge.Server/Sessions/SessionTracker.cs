namespace Converge.Server.Sessions;

/// <summary>Counts live sessions: each is counted from the moment its timers are armed until it has fully ended.</summary>
internal sealed class SessionTracker
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public Registration Track()
    {
        Interlocked.Increment(ref _count);
        return new Registration(this);
    }

    internal readonly struct Registration(SessionTracker tracker) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref tracker._count);
    }
}
