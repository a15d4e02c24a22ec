using Converge.Protocol.Frames;
using Converge.Server.Sessions;

namespace Converge.Server.Transports;

/// <summary>
/// A session carried by HTTP requests (SSE + POST, or long polling + POST) rather than one socket: it lives in the
/// <see cref="HttpSessionRegistry"/> between requests. For long polling it keeps the frames of the last response
/// until the next poll confirms them, so a lost response is sent again instead of lost.
/// </summary>
internal sealed class HttpSession(ServerSession session, string transport, SessionTracker.Registration tracked, Security.FrameRateLimiter rateLimiter)
{
    /// <summary>The uplink's frame budget.</summary>
    public Security.FrameRateLimiter RateLimiter { get; } = rateLimiter;

    private int _ended;

    public ServerSession Session { get; } = session;

    public string Transport { get; } = transport;

    /// <summary>One poll at a time per long-polling session.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>One uplink request at a time: a session handles its frames in order, from one caller.</summary>
    public SemaphoreSlim UplinkGate { get; } = new(1, 1);

    /// <summary>Frames handed out but not yet confirmed by a later poll; the first has index <see cref="FirstRetained"/>.</summary>
    public List<Frame> Retained { get; } = [];

    public long FirstRetained { get; set; } = 1;

    /// <summary>The index of the last frame handed out.</summary>
    public long LastIndex => FirstRetained + Retained.Count - 1;

    /// <summary>Ends the session once, however many paths (stream end, final poll, expiry) get here.</summary>
    public async ValueTask EndAsync()
    {
        if (Interlocked.Exchange(ref _ended, 1) == 0)
        {
            await Session.EndAsync().ConfigureAwait(false);
            tracked.Dispose();
            RateLimiter.Dispose();
        }
    }
}
