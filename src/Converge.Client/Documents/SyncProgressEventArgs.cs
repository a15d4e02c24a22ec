namespace Converge.Client.Documents;

/// <summary>How far a large document's snapshot has arrived (it is applied only once complete).</summary>
/// <param name="Received">Operations received so far.</param>
/// <param name="Total">Operations in the whole snapshot.</param>
public sealed class SyncProgressEventArgs(long Received, long Total) : EventArgs
{
    /// <summary>Operations received so far.</summary>
    public long Received { get; } = Received;

    /// <summary>Operations in the whole snapshot.</summary>
    public long Total { get; } = Total;

    /// <summary>The fraction received, 0 to 1.</summary>
    public double Fraction => Total == 0 ? 1 : (double)Received / Total;
}
