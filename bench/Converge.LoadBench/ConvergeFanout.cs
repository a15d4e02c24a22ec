using System.Diagnostics;
using System.Text.Json;
using Converge.Client;
using Converge.Client.Transports;
using Converge.Server;

namespace Converge.LoadBench;

/// <summary>Converge: one writer's changes to one document, durable (SQLite WAL, fsync per group commit) before fan-out.</summary>
internal static class ConvergeFanout
{
    public static async Task<FanoutResult> RunAsync(int receivers, int messages, int rate)
    {
        var directory = Directory.CreateTempSubdirectory("converge-loadbench-");
        try
        {
            var builder = WebApplication.CreateBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Services.AddConverge(o =>
            {
                o.DatabasePath = Path.Combine(directory.FullName, "converge.db");
                o.MaxFramesPerSecond = 0;
                o.SessionQueueCapacity = 100_000;
            });
            await using var app = builder.Build();
            app.UseWebSockets();
            app.MapConverge("/sync");
            await app.StartAsync();
            var uri = new Uri(app.Urls.First().Replace("http", "ws", StringComparison.Ordinal) + "/sync");

            ConvergeClient Client()
            {
                var options = new ConvergeClientOptions { ServerUri = uri };
                options.Transports.Clear();
                options.Transports.Add(TransportKind.WebSocket);
                return new ConvergeClient(options);
            }

            var recorder = new LatencyRecorder((long)receivers * messages);
            var clients = new List<ConvergeClient>();
            for (var i = 0; i < receivers; i++)
            {
                var client = Client();
                await client.StartAsync();
                var document = await client.OpenDocumentAsync("doc");
                long seen = 0;
                document.Changed += (_, e) =>
                {
                    if (e.Sequence > seen && e.State.TryGetValue("t", out var stamp))
                    {
                        // Changes can arrive several to an event: each counts as delivered, the latest one's stamp is the sample.
                        recorder.Delivered(stamp.GetInt64(), e.Sequence - seen);
                        seen = e.Sequence;
                    }
                };
                clients.Add(client);
            }

            await using var sender = Client();
            await sender.StartAsync();
            var source = await sender.OpenDocumentAsync("doc");
            var started = Stopwatch.GetTimestamp();
            var pacer = new SendPacer(rate);
            for (var m = 0; m < messages; m++)
            {
                await pacer.WaitTurnAsync(m);
                await source.SetAsync("t", JsonSerializer.SerializeToElement(Stopwatch.GetTimestamp()));
            }

            await recorder.Done.WaitAsync(TimeSpan.FromMinutes(3));
            var elapsed = Stopwatch.GetElapsedTime(started);
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }

            return FanoutResult.From("Converge (durable)", receivers, messages, elapsed, recorder.Latencies);
        }
        finally
        {
            try
            {
                directory.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
