namespace Converge.Model.Clocks;

/// <summary>Settings of a <see cref="HybridLogicalClock"/>.</summary>
public sealed class HybridLogicalClockOptions
{
    /// <summary>The default of <see cref="MaxForwardDrift"/>: one minute.</summary>
    public static readonly TimeSpan DefaultMaxForwardDrift = TimeSpan.FromMinutes(1);

    private TimeSpan _maxForwardDrift = DefaultMaxForwardDrift;

    /// <summary>
    /// How far ahead of the local wall clock a received timestamp may be (default one minute). A remote
    /// timestamp further ahead is rejected with <see cref="ClockDriftException"/> rather than adopted: adopting
    /// it would drag this clock (and every clock it talks to) into the future, where a single bad clock would win
    /// every last-writer-wins conflict until real time caught up.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than one millisecond.</exception>
    public TimeSpan MaxForwardDrift
    {
        get => _maxForwardDrift;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.FromMilliseconds(1));
            _maxForwardDrift = value;
        }
    }
}
