namespace Converge.Testing.Faults;

/// <summary>
/// An armed "drop after N bytes" in one direction. Each pump counts the bytes it forwards from the moment it
/// first sees this trip; the byte that would exceed <see cref="ByteLimit"/> is not sent and the connection is reset.
/// </summary>
internal sealed class DropTrip(long byteLimit, bool everyConnection)
{
    private int _fired;

    public long ByteLimit { get; } = byteLimit;

    /// <summary>True: every connection is cut at the limit. False: only the first one to reach it; then the trip disarms.</summary>
    public bool EveryConnection { get; } = everyConnection;

    /// <summary>Claims the trip for one connection; false when a one-shot trip already fired elsewhere.</summary>
    public bool TryFire() => EveryConnection || Interlocked.Exchange(ref _fired, 1) == 0;
}
