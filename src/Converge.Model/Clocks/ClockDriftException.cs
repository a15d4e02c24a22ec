namespace Converge.Model.Clocks;

/// <summary>
/// A remote reading is further ahead of this node's wall clock than the clock allows: adopting it would drag every
/// later local timestamp into the future (the clock-skew failure the article warns about), so it is refused.
/// </summary>
public sealed class ClockDriftException : ConvergeException
{
    /// <summary>The error code of every <see cref="ClockDriftException"/>.</summary>
    public const string Code = "clock_drift";

    /// <summary>Creates the exception.</summary>
    /// <param name="remote">The refused reading.</param>
    /// <param name="drift">How far ahead of the local wall clock it is.</param>
    /// <param name="allowed">The configured maximum.</param>
    public ClockDriftException(HlcTimestamp remote, TimeSpan drift, TimeSpan allowed)
        : base(Code, $"The timestamp from node '{remote.NodeId}' is {drift.TotalMilliseconds:0} ms ahead of this clock; at most {allowed.TotalMilliseconds:0} ms is accepted.")
    {
        Remote = remote;
        Drift = drift;
    }

    /// <summary>The refused reading.</summary>
    public HlcTimestamp Remote { get; }

    /// <summary>How far ahead of the local wall clock it was.</summary>
    public TimeSpan Drift { get; }
}
