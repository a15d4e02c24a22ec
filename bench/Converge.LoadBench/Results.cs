namespace Converge.LoadBench;

/// <summary>One load run against one system.</summary>
/// <param name="OfferedRate">Changes per second the sender aimed at (0 = as fast as it could).</param>
/// <param name="Sent">Changes the sender got onto its socket.</param>
/// <param name="SendSeconds">How long sending took.</param>
/// <param name="Expected">Deliveries that would make every change reach every receiver.</param>
/// <param name="Delivered">Deliveries counted (within the window, if the run has one).</param>
/// <param name="Seconds">From the first send to the last counted delivery (or the window's end).</param>
/// <param name="ServerCpuCores">Server CPU time over the run / wall time (2.0 = both cores).</param>
/// <param name="LoadCpuCores">The load generator's own CPU time / wall time.</param>
/// <param name="LoadCpuSeconds">The load generator's own CPU time over the run (its receivers decoding, mostly).</param>
internal sealed record LoadRun(
    string Name, int OfferedRate, long Sent, double SendSeconds, long Expected, long Delivered, long Late, double Seconds,
    double P50Ms, double P99Ms, double P999Ms, double ServerCpuCores, double LoadCpuCores, long ServerPeakRssBytes, bool Complete,
    string? SenderFailed, double LoadAverage, double ServerCpuSeconds, double LoadCpuSeconds)
{
    /// <summary>
    /// The load generator's CPU time per delivery, in microseconds: what a receiver spends to take in one change (with the
    /// sender's share). On two cores shared with the server it bounds the throughput as much as the server does.
    /// </summary>
    public double LoadCpuMicrosPerDelivery => Delivered > 0 ? LoadCpuSeconds * 1e6 / Delivered : double.NaN;

    /// <summary>Server CPU time per delivery, in microseconds: the server's cost, whoever is the bottleneck.</summary>
    public double ServerCpuMicrosPerDelivery => Delivered > 0 ? ServerCpuSeconds * 1e6 / Delivered : double.NaN;

    public double DeliveredPerSecond => Seconds > 0 ? Delivered / Seconds : 0;

    public double AcceptedPerSecond => SendSeconds > 0 ? Sent / SendSeconds : 0;
}

/// <summary>Everything measured for one system on the fan-out harness.</summary>
internal sealed record SystemFanout(
    string System, string Name, int Round, int Clients, double ConnectSeconds,
    long IdleHeapBytesPerConnection, long IdleWorkingSetBytesPerConnection, long HeapBefore, long HeapAfter, long WorkingSetBefore, long WorkingSetAfter,
    List<LoadRun> Runs, int ClosedReceivers);

/// <summary>Acknowledged durable writes per second: Converge's server vs a raw SQLite loop with the same settings.</summary>
internal sealed record DurableRun(string Name, int Writers, double Seconds, long Acknowledged, double P50Ms, double P99Ms, double AverageGroup, double ServerCpuCores)
{
    public int Round { get; init; } = 1;

    public double LoadAverage { get; init; } = FanoutScenario.LoadAverage();

    public double PerSecond => Seconds > 0 ? Acknowledged / Seconds : 0;
}

/// <summary>Time until a batch of changes is acknowledged: made offline then reconnected, vs made online.</summary>
internal sealed record ReconnectResult(int Changes, double OfflineSeconds, double OnlineSeconds, double RawSqliteSeconds);

internal sealed record BenchResults(
    string Started, string Machine, string Cpu, int Cores, string Runtime, string Command, double TotalSeconds,
    Settings Settings, List<SystemFanout> Fanout, List<DurableRun> Durable, ReconnectResult? Reconnect);
