using System.Diagnostics;
using System.Globalization;
using Converge.BenchServer;
using Converge.Server;

// One benchmark server per process, on 127.0.0.1 only:
//   Converge.BenchServer --system raw|signalr|converge --port <port> [--data <directory>]
// Endpoints: raw /ws (broadcast) and /durable (SQLite group commit, ack per message), SignalR /hub, Converge /sync; every system also maps GET /bench/gc (bench host only: a forced
// full GC, then the managed heap and the working set) so the load generator can measure memory per connection.
// Prints "ready" on stdout once listening.
var system = Arg("--system") ?? throw new ArgumentException("--system raw|signalr|converge is required");
var port = int.Parse(Arg("--port") ?? "5100", CultureInfo.InvariantCulture);
var data = Arg("--data") ?? Path.Combine(Path.GetTempPath(), "converge-benchserver");

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
switch (system)
{
    case "raw":
        break;
    case "signalr":
        builder.Services.AddSignalR();
        break;
    case "converge":
        builder.Services.AddConverge(o =>
        {
            o.DatabasePath = Path.Combine(data, "converge.db");
            // The load generator's single sender pushes up to 10,000 frames/s: the per-connection rate limit
            // (default 100/s) would close it. Everything else keeps its default.
            o.MaxFramesPerSecond = 0;
            // Receivers in the load generator are thin protocol clients that send nothing after hello: keep them
            // from being dropped as silent during a run (default 45 s).
            o.ClientTimeout = TimeSpan.FromMinutes(30);
            // The same per-connection queue as the raw server's (10,000 messages; default 1,024 frames): on this
            // shared 2-core box the load generator's sender can fall seconds behind reading its acks (one per change),
            // and a full queue closes a session as a slow consumer (4503) by design.
            o.SessionQueueCapacity = 10_000;
            // At the load point the single sender offers 10,000 changes/s for 3 s to a server that, on two cores
            // shared with 1,000 receivers, commits and fans them out more slowly: with the default limit (4,096
            // unanswered changes) the sender was closed (too_many_pending) mid-run, while the raw and SignalR servers
            // queue without limit. The thin sender does not keep to the welcome's push window as ConvergeClient does.
            o.MaxPendingChangesPerClient = 100_000;
        });
        break;
    default:
        throw new ArgumentException($"Unknown system '{system}'.");
}

var app = builder.Build();
app.UseWebSockets();
switch (system)
{
    case "raw":
        RawBroadcast.Map(app, "/ws");
        Directory.CreateDirectory(data);
        RawDurable.Map(app, "/durable", Path.Combine(data, "raw.db"));
        break;
    case "signalr":
        app.MapHub<BroadcastHub>("/hub");
        break;
    case "converge":
        app.MapConverge("/sync");
        break;
}

app.MapGet("/bench/gc", () =>
{
    GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    GC.WaitForPendingFinalizers();
    GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    using var self = Process.GetCurrentProcess();
    return Results.Json(new MemoryReport(GC.GetTotalMemory(forceFullCollection: false), self.WorkingSet64), BenchJsonContext.Default.MemoryReport);
});

// Rows per durable transaction for the durability comparison (converge only; the raw servers report zeros).
using var commits = new CommitCounter();
app.MapGet("/bench/commits", () => Results.Json(commits.Report(), BenchJsonContext.Default.CommitReport));

await app.StartAsync();
Console.WriteLine("ready");
await app.WaitForShutdownAsync();

string? Arg(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
