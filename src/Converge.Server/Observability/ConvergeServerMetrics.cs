using System.Diagnostics.Metrics;

namespace Converge.Server.Observability;

/// <summary>
/// The server's instruments, on the <c>Converge.Server</c> meter (collect them with OpenTelemetry's
/// <c>AddMeter("Converge.Server")</c> or dotnet-counters). Names follow <c>converge.server.&lt;what&gt;</c>.
/// </summary>
internal sealed class ConvergeServerMetrics
{
    public const string MeterName = "Converge.Server";

    private readonly UpDownCounter<long> _connections;
    private readonly Counter<long> _changes;
    private readonly Counter<long> _rejections;
    private readonly Counter<long> _slowConsumers;
    private readonly Histogram<double> _commitDuration;
    private readonly Histogram<double> _transactionDuration;
    private readonly Histogram<int> _transactionBatches;
    private readonly Histogram<double> _fanOutDuration;
    private readonly Histogram<double> _checkpointDuration;
    private readonly Counter<long> _passivations;
    private readonly Counter<long> _truncated;

    public ConvergeServerMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _connections = meter.CreateUpDownCounter<long>("converge.server.connections", "{connection}", "Open sessions, by transport.");
        _changes = meter.CreateCounter<long>("converge.server.changes", "{change}", "Changes accepted and made durable.");
        _rejections = meter.CreateCounter<long>("converge.server.rejections", "{change}", "Changes refused, by reason.");
        _slowConsumers = meter.CreateCounter<long>("converge.server.slow_consumers", "{session}", "Sessions closed because their outbound queue was full.");
        _commitDuration = meter.CreateHistogram<double>("converge.server.commit.duration", "ms", "Time to make one document's commit group durable: waiting for and writing the (shared) transaction.");
        _transactionDuration = meter.CreateHistogram<double>("converge.server.transaction.duration", "ms",
            "Time of one append transaction in the store (its fsync), however many documents' commit groups it holds.");
        _transactionBatches = meter.CreateHistogram<int>("converge.server.transaction.batches", "{document}",
            "Documents' commit groups written together in one append transaction (cross-document group commit).");
        _fanOutDuration = meter.CreateHistogram<double>("converge.server.fanout.duration", "ms", "Time to queue a committed group for every subscriber.");
        _checkpointDuration = meter.CreateHistogram<double>("converge.server.checkpoint.duration", "ms", "Time to write one document checkpoint (off the commit path).");
        _passivations = meter.CreateCounter<long>("converge.server.passivations", "{document}", "Idle authorities removed from memory.");
        _truncated = meter.CreateCounter<long>("converge.server.log.truncated", "{change}", "Changes deleted from the log behind a checkpoint.");
        Meter = meter;
    }

    public Meter Meter { get; }

    public void ConnectionOpened(string transport) => _connections.Add(1, new KeyValuePair<string, object?>("transport", transport));

    public void ConnectionClosed(string transport) => _connections.Add(-1, new KeyValuePair<string, object?>("transport", transport));

    public void ChangesAccepted(int count) => _changes.Add(count);

    public void Rejected(string reason) => _rejections.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void SlowConsumer() => _slowConsumers.Add(1);

    public void Committed(TimeSpan duration) => _commitDuration.Record(duration.TotalMilliseconds);

    public void TransactionCommitted(int batches, TimeSpan duration)
    {
        _transactionBatches.Record(batches);
        _transactionDuration.Record(duration.TotalMilliseconds);
    }

    public void FannedOut(TimeSpan duration) => _fanOutDuration.Record(duration.TotalMilliseconds);

    public void Checkpointed(TimeSpan duration) => _checkpointDuration.Record(duration.TotalMilliseconds);

    public void Passivated() => _passivations.Add(1);

    public void Truncated(long count) => _truncated.Add(count);
}
