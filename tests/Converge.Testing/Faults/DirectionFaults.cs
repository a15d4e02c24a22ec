namespace Converge.Testing.Faults;

/// <summary>The faults of one direction, swapped as a whole so a pump always reads a consistent set.</summary>
/// <param name="Latency">Added to every byte's trip.</param>
/// <param name="Jitter">A further uniform random delay in [0, Jitter]; order is still preserved.</param>
/// <param name="BytesPerSecond">The bandwidth cap, or null for none.</param>
/// <param name="Trip">An armed drop-after-N-bytes, or null.</param>
internal sealed record DirectionFaults(TimeSpan Latency, TimeSpan Jitter, long? BytesPerSecond, DropTrip? Trip)
{
    public static DirectionFaults None { get; } = new(TimeSpan.Zero, TimeSpan.Zero, null, null);
}
