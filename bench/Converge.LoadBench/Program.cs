using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Converge.LoadBench;

// Issue 9's benchmarks, side by side in one run on one machine (bench/run.sh runs this; docs/benchmarks.md):
//   dotnet Converge.LoadBench.dll --server <Converge.BenchServer.dll> [--out results.json] [--markdown section.md]
//     [--command "<how it was started>"] [--only fanout|durable|reconnect] [sizes: see Settings.cs]
var serverDll = Arg("--server") ?? throw new ArgumentException("--server <path to Converge.BenchServer.dll> is required");
var settings = Settings.Parse(args);
var only = Arg("--only");
var started = DateTimeOffset.Now;
var clock = Stopwatch.StartNew();

var fanout = new List<SystemFanout>();
if (only is null or "fanout")
{
    for (var round = 1; round <= settings.Rounds; round++)
    {
        foreach (var system in settings.Systems)
        {
            fanout.Add(await FanoutScenario.RunAsync(serverDll, system, settings, round));
            GC.Collect();
            await Task.Delay(1000);
        }
    }
}

var durable = new List<DurableRun>();
if (only is null or "durable")
{
    for (var round = 1; round <= settings.Rounds; round++)
    {
        durable.Add(await DurableScenario.RunConvergeAsync(serverDll, settings, documentPerWriter: false) with { Round = round });
        durable.Add(await DurableScenario.RunConvergeAsync(serverDll, settings, documentPerWriter: true) with { Round = round });
        durable.Add(await DurableScenario.RunRawSqliteAsync(settings) with { Round = round });
        durable.Add(await DurableScenario.RunRawWebSocketAsync(serverDll, settings) with { Round = round });
    }

    durable.Add(await DurableScenario.RunRawSqliteNaiveAsync(2));
}

var reconnect = only is null or "reconnect" ? await ReconnectScenario.RunAsync(serverDll, settings) : null;

var results = new BenchResults(
    started.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
    RuntimeInformation.OSDescription,
    CpuModel(), Environment.ProcessorCount, $"{RuntimeInformation.FrameworkDescription} (SDK {Arg("--sdk") ?? "?"})",
    Arg("--command") ?? "bash bench/run.sh", clock.Elapsed.TotalSeconds, settings, fanout, durable, reconnect);

var json = JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals });
if (Arg("--out") is { } outPath)
{
    await File.WriteAllTextAsync(outPath, json);
}
else
{
    Console.WriteLine(json);
}

if (Arg("--markdown") is { } markdownPath)
{
    await File.WriteAllTextAsync(markdownPath, Report.Markdown(results));
}

FanoutScenario.Log($"done in {clock.Elapsed.TotalSeconds:0} s");
return 0;

string? Arg(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

static string CpuModel()
{
    try
    {
        return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
    }
    catch (IOException)
    {
        return "unknown";
    }
}
