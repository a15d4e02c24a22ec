using System.Globalization;
using System.Text;

namespace Converge.LoadBench;

/// <summary>Writes the docs/benchmarks.md section of one run: machine, command, how it measures, figures and each target's verdict.</summary>
internal static class Report
{
    public static string Markdown(BenchResults r)
    {
        var s = r.Settings;
        var b = new StringBuilder();
        var systems = r.Fanout.GroupBy(f => f.System).Select(g => g.ToList()).ToList();
        var raw = systems.FirstOrDefault(g => g[0].System == "raw");
        var signalr = systems.FirstOrDefault(g => g[0].System == "signalr");
        var converge = systems.FirstOrDefault(g => g[0].System == "converge");

        b.AppendLine(Inv($"## Load benchmarks: Converge vs raw Kestrel WebSocket vs SignalR (issue 9; last run {r.Started})"));
        b.AppendLine();
        b.AppendLine(Inv($"Machine: {r.Cores} CPU(s), {r.Cpu}; {r.Machine}; {r.Runtime}. The whole script took {r.TotalSeconds:0} s (build excluded)."));
        b.AppendLine("Every figure below comes from this one run; only the ratios between systems measured in it mean anything.");
        b.AppendLine();
        b.AppendLine("    " + r.Command);
        b.AppendLine("    # which builds Release and runs:");
        b.AppendLine(Inv($"    dotnet bench/Converge.LoadBench/bin/Release/net10.0/Converge.LoadBench.dll --server bench/Converge.BenchServer/bin/Release/net10.0/Converge.BenchServer.dll \\"));
        b.AppendLine(Inv($"      --clients {s.Clients} --rate {s.Rate} --seconds {s.Seconds} --grace {s.Grace} --paced-rate {s.PacedRate} --paced-seconds {s.PacedSeconds} \\"));
        b.AppendLine(Inv($"      --flat-messages {s.FlatMessages} --durable-writers {s.DurableWriters} --durable-seconds {s.DurableSeconds} --durable-warmup {s.DurableWarmupSeconds} --offline-changes {s.OfflineChanges}"));
        b.AppendLine();

        b.AppendLine("### Against issue 9's targets");
        b.AppendLine();
        b.AppendLine("| target | Converge | peer | ratio | verdict |");
        b.AppendLine("|---|---:|---:|---:|---|");
        if (converge is not null && raw is not null && signalr is not null)
        {
            var cFlat = Run(converge, "flat-out");
            var rFlat = Run(raw, "flat-out");
            var sFlat = Run(signalr, "flat-out");
            var cPoint = Run(converge, "load point");
            var sPoint = Run(signalr, "load point");
            var rPoint = Run(raw, "load point");
            var cPaced = Run(converge, "paced");
            var sPaced = Run(signalr, "paced");
            Target(b, "fan-out ≥ 0.8× raw (flat out, deliveries/s)", cFlat.DeliveredPerSecond, rFlat.DeliveredPerSecond, N0, 0.8, higherIsBetter: true);
            Target(b, "fan-out ≥ 2× SignalR (flat out, deliveries/s)", cFlat.DeliveredPerSecond, sFlat.DeliveredPerSecond, N0, 2, higherIsBetter: true);
            Target(b, Inv($"fan-out at the load point ({s.Rate:N0}/s offered, {s.Clients:N0} clients) vs raw"), cPoint.DeliveredPerSecond, rPoint.DeliveredPerSecond, N0, 0.8, higherIsBetter: true);
            Target(b, Inv($"fan-out at the load point ({s.Rate:N0}/s offered, {s.Clients:N0} clients) vs SignalR"), cPoint.DeliveredPerSecond, sPoint.DeliveredPerSecond, N0, 2, higherIsBetter: true);
            Info(b, "server CPU per delivery, flat out (no target; lower is better) vs raw", cFlat.ServerCpuMicrosPerDelivery, rFlat.ServerCpuMicrosPerDelivery, Micros);
            Info(b, "server CPU per delivery, flat out (no target; lower is better) vs SignalR", cFlat.ServerCpuMicrosPerDelivery, sFlat.ServerCpuMicrosPerDelivery, Micros);
            Info(b, "load generator CPU per delivery, flat out: the receivers decoding (no target; lower is better) vs raw", cFlat.LoadCpuMicrosPerDelivery, rFlat.LoadCpuMicrosPerDelivery, Micros);
            Target(b, Inv($"p99 ≤ 0.5× SignalR's at {s.Clients:N0} clients and {s.Rate:N0} changes/s offered (saturated, see below)"), cPoint.P99Ms, sPoint.P99Ms, Ms, 0.5, higherIsBetter: false);
            Limit(b, "the same p99 target for raw Kestrel WebSocket (no protocol: the practical limit)", rPoint.P99Ms, sPoint.P99Ms, Ms, 0.5, higherIsBetter: false);
            Target(b, Inv($"p99 ≤ 0.5× SignalR's at {s.Clients:N0} clients and {s.PacedRate:N0} changes/s (below saturation; not the issue's point)"), cPaced.P99Ms, sPaced.P99Ms, Ms, 0.5, higherIsBetter: false);
            Target(b, "memory per idle connection ≤ 0.5× SignalR's (managed heap after full GC)", Idle(converge).IdleHeapBytesPerConnection, Idle(signalr).IdleHeapBytesPerConnection, Bytes, 0.5, higherIsBetter: false);
            Target(b, "memory per idle connection ≤ 0.5× SignalR's (working set after full GC)", Idle(converge).IdleWorkingSetBytesPerConnection, Idle(signalr).IdleWorkingSetBytesPerConnection, Bytes, 0.5, higherIsBetter: false);
            Limit(b, "the same working-set target for raw Kestrel WebSocket (a bare socket: the practical limit)", Idle(raw).IdleWorkingSetBytesPerConnection, Idle(signalr).IdleWorkingSetBytesPerConnection, Bytes, 0.5, higherIsBetter: false);
        }

        // Each kind's best round (highest acknowledged/s).
        var durable = r.Durable.GroupBy(d => d.Name).Select(g => g.MaxBy(d => d.PerSecond)!).ToList();
        var cDurable = durable.FirstOrDefault(d => d.Name == DurableScenario.SharedDocument);
        var oDurable = durable.FirstOrDefault(d => d.Name == DurableScenario.DocumentPerWriter);
        var rDurable = durable.FirstOrDefault(d => d.Name.StartsWith("raw SQLite insert loop (group commit", StringComparison.Ordinal));
        var wDurable = durable.FirstOrDefault(d => d.Name.StartsWith("raw Kestrel", StringComparison.Ordinal));
        if (cDurable is not null && rDurable is not null)
        {
            Target(b, Inv($"durable acknowledged changes/s ≥ 0.7× raw SQLite ({s.DurableWriters} concurrent writers on one document, each change fanned out to the other {s.DurableWriters - 1})"), cDurable.PerSecond, rDurable.PerSecond, N0, 0.7, higherIsBetter: true);
        }

        if (oDurable is not null && rDurable is not null)
        {
            Target(b, Inv($"durable acknowledged changes/s ≥ 0.7× raw SQLite ({s.DurableWriters} concurrent writers, a document each: no fan-out, like the raw loop)"), oDurable.PerSecond, rDurable.PerSecond, N0, 0.7, higherIsBetter: true);
        }

        if (wDurable is not null && rDurable is not null)
        {
            Limit(b, "the same durable target for raw SQLite behind a raw Kestrel WebSocket (no protocol, no fan-out: the practical limit over a network)", wDurable.PerSecond, rDurable.PerSecond, N0, 0.7, higherIsBetter: true);
        }

        if (cDurable is not null && wDurable is not null)
        {
            Info(b, Inv($"durable acknowledged changes/s, one shared document, vs raw SQLite behind a raw WebSocket (same writers, no protocol, no fan-out)"), cDurable.PerSecond, wDurable.PerSecond, N0);
        }

        if (r.Reconnect is { } rc)
        {
            b.AppendLine(Inv($"| reconnect: {rc.Changes:N0} offline changes all acknowledged after resume (no target; vs the same changes made online) | {rc.OfflineSeconds * 1000:N0} ms | {rc.OnlineSeconds * 1000:N0} ms | {rc.OfflineSeconds / rc.OnlineSeconds:0.00}× | — |"));
        }

        b.AppendLine();
        b.AppendLine("### Fan-out");
        b.AppendLine();
        b.AppendLine(Inv($"{s.Clients:N0} receivers and one sender, all subscribed to one document (SignalR: one group; raw: every socket), on loopback. Each change goes to every receiver, so a change rate R asks for R × {s.Clients:N0} deliveries per second."));
        b.AppendLine();
        b.AppendLine(Inv($"Systems take turns, {s.Rounds} round(s); each row is the system's best round for that run (highest deliveries/s; for the paced run, lowest p99), the round in brackets. Every round is in the JSON."));
        b.AppendLine();
        b.AppendLine("| run | system | sent | accepted/s | delivered / expected | delivered/s | p50 ms | p99 ms | p999 ms | server CPU (cores) | server CPU per delivery | load gen CPU (cores) | load gen CPU per delivery | server peak RSS | load avg |");
        b.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var name in new[] { "paced", "flat-out", "load point" })
        {
            foreach (var g in systems)
            {
                var f = g[0];
                var run = Run(g, name);
                var round = g.First(x => x.Runs.Contains(run)).Round;
                var label = name switch
                {
                    "paced" => Inv($"paced: {run.OfferedRate:N0}/s for {s.PacedSeconds} s"),
                    "flat-out" => Inv($"flat out: {s.FlatMessages:N0} changes"),
                    _ => Inv($"load point: {run.OfferedRate:N0}/s for {s.Seconds} s (+{s.Grace} s grace)"),
                };
                b.AppendLine(Inv($"| {(g == systems[0] ? label : "")} | {f.Name} [{round}]{(run.SenderFailed is null ? "" : " (sender closed)")} | {run.Sent:N0} | {run.AcceptedPerSecond:N0} | {run.Delivered:N0} / {run.Expected:N0} ({100.0 * run.Delivered / Math.Max(1, run.Expected):0.#} %) | {run.DeliveredPerSecond:N0} | {Ms(run.P50Ms)} | {Ms(run.P99Ms)} | {Ms(run.P999Ms)} | {run.ServerCpuCores:0.00} | {run.ServerCpuMicrosPerDelivery:0.00} µs | {run.LoadCpuCores:0.00} | {run.LoadCpuMicrosPerDelivery:0.00} µs | {Bytes(run.ServerPeakRssBytes)} | {run.LoadAverage:0.0} |"));
            }
        }

        b.AppendLine();
        b.AppendLine("### Memory per idle connection");
        b.AppendLine();
        b.AppendLine(Inv($"Server memory after a forced full compacting GC (`/bench/gc`), with the sender only and then with {s.Clients:N0} idle subscribed receivers more, divided by {s.Clients:N0}."));
        b.AppendLine();
        b.AppendLine("| system | heap before → after | per connection (heap) | working set before → after | per connection (working set) | connect time |");
        b.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var f in systems.Select(Idle))
        {
            b.AppendLine(Inv($"| {f.Name} [{f.Round}] | {Bytes(f.HeapBefore)} → {Bytes(f.HeapAfter)} | {Bytes(f.IdleHeapBytesPerConnection)} | {Bytes(f.WorkingSetBefore)} → {Bytes(f.WorkingSetAfter)} | {Bytes(f.IdleWorkingSetBytesPerConnection)} | {f.ConnectSeconds:0.0} s |"));
        }

        if (r.Durable.Count > 0)
        {
            b.AppendLine();
            b.AppendLine("### Durability");
            b.AppendLine();
            b.AppendLine(Inv($"Each kind's best of {s.Rounds} round(s) (kinds take turns within a round); ack latency = push → ack at the writer."));
            b.AppendLine();
            b.AppendLine("| writer | writers | acknowledged | per second | p50 ms | p99 ms | rows per commit | server CPU (cores) | load avg |");
            b.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var d in durable)
            {
                b.AppendLine(Inv($"| {d.Name} [{d.Round}] | {d.Writers} | {d.Acknowledged:N0} in {d.Seconds:0.0} s | {d.PerSecond:N0} | {Ms(d.P50Ms)} | {Ms(d.P99Ms)} | {(double.IsNaN(d.AverageGroup) ? "—" : d.AverageGroup.ToString("0.0", CultureInfo.InvariantCulture))} | {(double.IsNaN(d.ServerCpuCores) ? "—" : d.ServerCpuCores.ToString("0.00", CultureInfo.InvariantCulture))} | {d.LoadAverage:0.0} |"));
            }
        }

        if (r.Reconnect is { } re)
        {
            b.AppendLine();
            b.AppendLine("### Reconnect");
            b.AppendLine();
            b.AppendLine("| what | time | per change | vs online |");
            b.AppendLine("|---|---:|---:|---:|");
            b.AppendLine(Inv($"| {re.Changes:N0} changes made while paused; `ResumeAsync` → every receipt acknowledged | {re.OfflineSeconds * 1000:N0} ms | {re.OfflineSeconds * 1e6 / re.Changes:0.0} µs | {re.OfflineSeconds / re.OnlineSeconds:0.00}× |"));
            b.AppendLine(Inv($"| the same number made online: first `SetAsync` → last ack | {re.OnlineSeconds * 1000:N0} ms | {re.OnlineSeconds * 1e6 / re.Changes:0.0} µs | 1.00× |"));
            b.AppendLine(Inv($"| raw SQLite: {re.Changes:N0} rows in transactions of 64 (storage floor, rows prepared beforehand) | {re.RawSqliteSeconds * 1000:N0} ms | {re.RawSqliteSeconds * 1e6 / re.Changes:0.0} µs | {re.RawSqliteSeconds / re.OnlineSeconds:0.00}× |"));
        }

        b.AppendLine();
        b.AppendLine("Raw figures: `bench/results/last.json`.");
        return b.ToString();
    }

    // A system's best round for one run: the highest deliveries/s, or for the paced run (a latency figure) the lowest p99.
    private static LoadRun Run(List<SystemFanout> rounds, string name)
    {
        var runs = rounds.Select(f => f.Runs.First(r => r.Name == name));
        return name == "paced" ? runs.MinBy(r => r.P99Ms)! : runs.MaxBy(r => r.DeliveredPerSecond)!;
    }

    private static SystemFanout Idle(List<SystemFanout> rounds) => rounds.MinBy(f => f.IdleHeapBytesPerConnection)!;

    private static void Target(StringBuilder b, string what, double ours, double peer, Func<double, string> format, double bound, bool higherIsBetter)
    {
        var (ratio, met) = Against(ours, peer, bound, higherIsBetter);
        b.AppendLine(Inv($"| {what} | {format(ours)} | {format(peer)} | {ratio:0.00}× | {(double.IsNaN(ratio) ? "n/a" : met ? "**met**" : "**missed**")} |"));
    }

    // A target applied to the raw server instead of Converge: whether the machine allows the target at all.
    private static void Limit(StringBuilder b, string what, double raw, double peer, Func<double, string> format, double bound, bool higherIsBetter)
    {
        var (ratio, met) = Against(raw, peer, bound, higherIsBetter);
        b.AppendLine(Inv($"| {what} | {format(raw)} (raw) | {format(peer)} | {ratio:0.00}× | {(double.IsNaN(ratio) ? "n/a" : met ? "raw meets it" : "**raw misses it too**")} |"));
    }

    private static (double Ratio, bool Met) Against(double value, double peer, double bound, bool higherIsBetter)
    {
        var ratio = peer > 0 ? value / peer : double.NaN;
        return (ratio, higherIsBetter ? ratio >= bound : ratio <= bound);
    }

    private static void Info(StringBuilder b, string what, double ours, double peer, Func<double, string> format) =>
        b.AppendLine(Inv($"| {what} | {format(ours)} | {format(peer)} | {ours / peer:0.00}× | — |"));

    private static string Micros(double v) => v.ToString("0.00", CultureInfo.InvariantCulture) + " µs";

    private static string N0(double v) => v.ToString("N0", CultureInfo.InvariantCulture);

    private static string Ms(double v) => double.IsNaN(v) ? "—" : v < 10 ? v.ToString("0.00", CultureInfo.InvariantCulture) : v.ToString("N0", CultureInfo.InvariantCulture);

    private static string Bytes(double v) => Math.Abs(v) >= 1048576 ? (v / 1048576).ToString("0.0", CultureInfo.InvariantCulture) + " MiB"
        : Math.Abs(v) >= 1024 ? (v / 1024).ToString("0.0", CultureInfo.InvariantCulture) + " KiB" : v.ToString("0", CultureInfo.InvariantCulture) + " B";

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
