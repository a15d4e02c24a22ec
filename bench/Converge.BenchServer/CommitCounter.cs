using System.Diagnostics.Metrics;

namespace Converge.BenchServer;

/// <summary>
/// Bench host only: counts what the Converge server's own metrics report — changes made durable
/// (<c>converge.server.changes</c>) and store transactions (one <c>converge.server.transaction.batches</c> record each) —
/// so that <c>/bench/commits</c> can tell the load generator how many rows each durable transaction carried.
/// </summary>
internal sealed class CommitCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _changes;
    private long _transactions;

    public CommitCounter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name is "converge.server.changes" or "converge.server.transaction.batches")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "converge.server.changes")
            {
                Interlocked.Add(ref _changes, value);
            }
        });
        _listener.SetMeasurementEventCallback<int>((instrument, _, _, _) =>
        {
            if (instrument.Name == "converge.server.transaction.batches")
            {
                Interlocked.Increment(ref _transactions);
            }
        });
        _listener.Start();
    }

    public CommitReport Report() => new(Interlocked.Read(ref _changes), Interlocked.Read(ref _transactions));

    public void Dispose() => _listener.Dispose();
}
