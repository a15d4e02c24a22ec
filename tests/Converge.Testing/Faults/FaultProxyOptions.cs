using System.Net;

namespace Converge.Testing.Faults;

/// <summary>How a <see cref="FaultProxy"/> listens, times and buffers. Faults themselves are switched on the proxy at run time.</summary>
public sealed class FaultProxyOptions
{
    /// <summary>The address to listen on. Default <see cref="IPAddress.Loopback"/> (127.0.0.1).</summary>
    public IPAddress ListenAddress { get; set; } = IPAddress.Loopback;

    /// <summary>The port to listen on. Default 0: the OS picks a free one (read it from <see cref="FaultProxy.Port"/>).</summary>
    public int Port { get; set; }

    /// <summary>The clock for latency, bandwidth pacing and scripts. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Seeds the latency jitter; connection <c>n</c>'s direction <c>d</c> draws from <c>new Random(f(Seed, n, d))</c>. Default 0.</summary>
    public int Seed { get; set; }

    /// <summary>The most bytes one socket read takes. Default 16 KiB.</summary>
    public int ReadBufferBytes { get; set; } = 16 * 1024;

    /// <summary>
    /// The most bytes read but not yet written, per connection and direction (what latency holds in flight);
    /// when reached, the proxy stops reading and TCP flow control pushes back on the sender. Default 4 MiB.
    /// </summary>
    public int MaxInFlightBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>The largest HTTP request head the proxy inspects; a longer one makes the rest of that connection opaque. Default 32 KiB.</summary>
    public int MaxRequestHeadBytes { get; set; } = 32 * 1024;

    /// <summary>
    /// While buffering responses, the held bytes are released when the server closes or when this many are held
    /// (as a buffering reverse proxy flushes a full buffer). Default 1 MiB.
    /// </summary>
    public int MaxHeldResponseBytes { get; set; } = 1024 * 1024;

    /// <summary>How long the proxy waits to connect to the target before resetting the client. Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The listen backlog. Default 512 (enough for 100 clients connecting at once).</summary>
    public int Backlog { get; set; } = 512;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(ListenAddress);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentOutOfRangeException.ThrowIfNegative(Port);
        ArgumentOutOfRangeException.ThrowIfLessThan(ReadBufferBytes, 256);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInFlightBytes, ReadBufferBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRequestHeadBytes, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxHeldResponseBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(Backlog, 1);
    }
}
