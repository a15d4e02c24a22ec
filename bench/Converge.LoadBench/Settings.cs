using System.Globalization;

namespace Converge.LoadBench;

/// <summary>Sizes of every scenario, each with its default (the defaults are what bench/run.sh runs).</summary>
internal sealed record Settings
{
    /// <summary>Receivers subscribed to the one document.</summary>
    public int Clients { get; init; } = 1000;

    /// <summary>The load point: total changes offered per second.</summary>
    public int Rate { get; init; } = 10_000;

    /// <summary>How long the load point offers its rate.</summary>
    public double Seconds { get; init; } = 3;

    /// <summary>After sending stops, how long deliveries still count at the load point.</summary>
    public double Grace { get; init; } = 2;

    /// <summary>A rate every system sustains at <see cref="Clients"/> receivers: the latency comparison below saturation.</summary>
    public int PacedRate { get; init; } = 100;

    public double PacedSeconds { get; init; } = 5;

    /// <summary>
    /// Changes sent as fast as possible for the throughput figure (each to every receiver). With 1,000 the burst lasted
    /// about half a second, and one pause (a GC, the thread pool growing) moved the Converge / raw ratio between 0.71×
    /// and 0.94× across runs on an idle box; 3,000 (1.5–2 s per system) measures the steady rate.
    /// </summary>
    public int FlatMessages { get; init; } = 3000;

    /// <summary>Concurrent writers for the durable-throughput comparison, each waiting for its ack.</summary>
    public int DurableWriters { get; init; } = 32;

    public double DurableSeconds { get; init; } = 4;

    /// <summary>
    /// Writing before the measured window, every durable kind alike. Each server process is fresh: with 1 s, a profile
    /// (perf) of the Converge server during the measured window still showed 28 % of its CPU in the JIT (tiering up),
    /// against little for the raw loop, so the window measured start-up, not the steady state the target is about.
    /// </summary>
    public double DurableWarmupSeconds { get; init; } = 3;

    /// <summary>Changes made offline before the reconnect.</summary>
    public int OfflineChanges { get; init; } = 10_000;

    /// <summary>Fan-out rounds; systems take turns within a round, and the report keeps each system's best round per figure.</summary>
    public int Rounds { get; init; } = 3;

    public IReadOnlyList<string> Systems { get; init; } = ["raw", "signalr", "converge"];

    public static Settings Parse(string[] args)
    {
        var s = new Settings();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var v = args[i + 1];
            s = args[i] switch
            {
                "--clients" => s with { Clients = Int(v) },
                "--rate" => s with { Rate = Int(v) },
                "--seconds" => s with { Seconds = Double(v) },
                "--grace" => s with { Grace = Double(v) },
                "--paced-rate" => s with { PacedRate = Int(v) },
                "--paced-seconds" => s with { PacedSeconds = Double(v) },
                "--flat-messages" => s with { FlatMessages = Int(v) },
                "--durable-writers" => s with { DurableWriters = Int(v) },
                "--durable-seconds" => s with { DurableSeconds = Double(v) },
                "--durable-warmup" => s with { DurableWarmupSeconds = Double(v) },
                "--offline-changes" => s with { OfflineChanges = Int(v) },
                "--rounds" => s with { Rounds = Int(v) },
                "--systems" => s with { Systems = v.Split(',') },
                "--server" or "--out" or "--markdown" or "--command" or "--only" or "--sdk" => s,
                _ => throw new ArgumentException($"Unknown option {args[i]}"),
            };
        }

        return s;
    }

    private static int Int(string v) => int.Parse(v, CultureInfo.InvariantCulture);

    private static double Double(string v) => double.Parse(v, CultureInfo.InvariantCulture);
}
