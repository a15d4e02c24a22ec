using System.CommandLine;
using System.Globalization;
using Converge.Cli.Load;
using Spectre.Console;

namespace Converge.Cli.Commands;

/// <summary>
/// <c>converge load</c>: N simulated clients at a target change rate, a live progress display, and at the end a
/// histogram of push-to-applied latency (pushed on one client, applied on another).
/// </summary>
internal static class LoadCommand
{
    public static Command Create(Option<string> url)
    {
        var clients = new Option<int>("--clients", "-n") { Description = "Simulated clients that write.", DefaultValueFactory = static _ => 10 };
        var rate = new Option<double>("--rate") { Description = "Target changes per second, all clients together.", DefaultValueFactory = static _ => 100 };
        var duration = new Option<double>("--duration") { Description = "Seconds to send for.", DefaultValueFactory = static _ => 10 };
        var document = new Option<string?>("--doc") { Description = "The document to write to (default: a new load-<random> document)." };
        var command = new Command("load", "Load-test a server: N clients at a target rate; prints a latency histogram.") { clients, rate, duration, document };
        CommandRunner.SetBody(command, async (result, cancellationToken) =>
        {
            var (n, changesPerSecond, seconds) = (result.GetValue(clients), result.GetValue(rate), result.GetValue(duration));
            if (n is < 1 or > 10_000 || changesPerSecond is <= 0 or > 1_000_000 || seconds is <= 0 or > 86_400)
            {
                throw new CliException(ExitCodes.InvalidInput, "--clients must be 1 to 10000, --rate above 0 (at most 1000000), --duration above 0 seconds (at most a day).");
            }

            var endpoint = ServerAddress.SyncEndpoint(result.GetValue(url)!);
            var documentId = result.GetValue(document) ?? "load-" + Guid.NewGuid().ToString("N")[..8];
            var run = new LoadRun(endpoint, documentId, n, changesPerSecond, TimeSpan.FromSeconds(seconds));
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"load: {n} clients, {changesPerSecond:0.#} changes/s for {seconds:0.#} s on {documentId} at {endpoint}"));
            var running = run.RunAsync(cancellationToken);
            if (AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected)
            {
                await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                    .StartAsync(async progress =>
                    {
                        var task = progress.AddTask("connecting", maxValue: run.Target);
                        while (!running.IsCompleted)
                        {
                            task.Value = run.Sent;
                            task.Description = Status(run);
                            await Task.WhenAny(running, Task.Delay(100, CancellationToken.None));
                        }

                        task.Value = run.Sent;
                        task.Description = Status(run);
                    });
            }
            else
            {
                while (!running.IsCompleted)
                {
                    await Task.WhenAny(running, Task.Delay(1000, CancellationToken.None));
                    Console.Out.WriteLine("  " + Status(run));
                }
            }

            await running;
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"sent {run.Sent} in {run.Elapsed.TotalSeconds:0.0} s ({run.Sent / Math.Max(run.Elapsed.TotalSeconds, 0.001):0.#}/s), acknowledged {run.Acknowledged}, failed {run.Failed}, observed {run.Observed}"));
            Console.Out.WriteLine($"latency histogram (push on one client -> applied on another), {run.Latencies.Count} samples:");
            Console.Out.WriteLine(run.Latencies.Render());
            return run.Failed > 0 ? ExitCodes.Rejected : ExitCodes.Ok;
        });
        return command;
    }

    private static string Status(LoadRun run) => string.Create(CultureInfo.InvariantCulture,
        $"sent {run.Sent}/{run.Target}  acked {run.Acknowledged}  observed {run.Observed}  p50 {LatencyHistogram.Format(run.Latencies.Percentile(50))}");
}
