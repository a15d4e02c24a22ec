namespace Converge.Model.Clocks;

/// <summary>
/// A received <see cref="HlcTimestamp"/> is further ahead of the local wall clock than
/// <see cref="HybridLogicalClockOptions.MaxForwardDrift"/> allows; the clock did not adopt it.
/// The sender's clock is probably wrong: reject the message that carried it.
/// </summary>
public sealed class ClockDriftException : ConvergeException
{
    /// <summary>The error code of every <see cref="ClockDriftException"/>.</summary>
    public const string Code = "clock_drift";

    /// <summary>Creates the exception.</summary>
    /// <param name="remote">The rejected timestamp.</param>
    /// <param name="localWallMilliseconds">The local wall clock when it was received.</param>
    /// <param name="maxForwardDrift">The drift allowed.</param>
    public ClockDriftException(HlcTimestamp remote, long localWallMilliseconds, TimeSpan maxForwardDrift)
        : base(Code, $"Timestamp {remote} is {remote.PhysicalMilliseconds - localWallMilliseconds} ms ahead of the local clock ({localWallMilliseconds}); at most {(long)maxForwardDrift.TotalMilliseconds} ms is allowed.")
    {
        Remote = remote;
        LocalWallMilliseconds = localWallMilliseconds;
        MaxForwardDrift = maxForwardDrift;
    }

    /// <summary>The rejected timestamp.</summary>
    public HlcTimestamp Remote { get; }

    /// <summary>The local wall clock, in Unix milliseconds, when the timestamp was received.</summary>
    public long LocalWallMilliseconds { get; }

    /// <summary>The forward drift that was allowed.</summary>
    public TimeSpan MaxForwardDrift { get; }
}
