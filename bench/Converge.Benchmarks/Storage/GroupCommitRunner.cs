using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Converge.Model.Documents;
using Converge.Protocol;
using Converge.Protocol.Frames;
using Converge.Server;
using Converge.Server.Authority;
using Converge.Server.Security;
using Converge.Server.Sessions;
using Converge.Server.Storage;
using Converge.Testing.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Converge.Benchmarks.Storage;

/// <summary>
/// Acknowledged changes per second with N documents, one pusher each (push one change, wait for its ack, repeat),
/// through the real authorities and store but no transport; cross-document group commit off
/// (<see cref="ConvergeStorageOptions.MaxChangesPerTransaction"/> = 0: each document's own transaction) against on,
/// alternating in one process. Prints one JSON line per store.
/// Run: dotnet run -c Release --project bench/Converge.Benchmarks -- group-commit [documents] [seconds per run] [runs] [sqlite|postgres|both]
/// (PostgreSQL from CONVERGE_TEST_POSTGRES, a fresh schema per run).
/// </summary>
internal static class GroupCommitRunner
{
    public static async Task<int> RunAsync(string[] args)
    {
        var documents = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 64;
        var seconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        var runs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
        var stores = (args.Length > 3 ? args[3] : "both") switch
        {
            "sqlite" => ["sqlite"],
            "postgres" => ["postgres"],
            _ => PostgresTestDatabase.ConnectionString is null ? new[] { "sqlite" } : ["sqlite", "postgres"],
        };

        foreach (var store in stores)
        {
            var off = new List<Result>();
            var on = new List<Result>();
            for (var run = 0; run < runs; run++)
            {
                off.Add(await MeasureAsync(store, documents, TimeSpan.FromSeconds(seconds), maxChangesPerTransaction: 0));
                on.Add(await MeasureAsync(store, documents, TimeSpan.FromSeconds(seconds), maxChangesPerTransaction: new ConvergeStorageOptions().MaxChangesPerTransaction));
            }

            static Result Median(List<Result> results) => results.OrderBy(static r => r.AckedPerSecond).ElementAt(results.Count / 2);
            var before = Median(off);
            var after = Median(on);
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["store"] = store,
                ["documents"] = documents,
                ["secondsPerRun"] = seconds,
                ["runs"] = runs,
                ["offAckedPerSecond"] = Math.Round(before.AckedPerSecond),
                ["onAckedPerSecond"] = Math.Round(after.AckedPerSecond),
                ["ratio"] = Math.Round(after.AckedPerSecond / before.AckedPerSecond, 2),
                ["offTransactionsPerSecond"] = Math.Round(before.TransactionsPerSecond),
                ["onTransactionsPerSecond"] = Math.Round(after.TransactionsPerSecond),
                ["onMeanBatchesPerTransaction"] = Math.Round(after.MeanBatchesPerTransaction, 1),
                ["offAll"] = off.Select(static r => Math.Round(r.AckedPerSecond)).ToArray(),
                ["onAll"] = on.Select(static r => Math.Round(r.AckedPerSecond)).ToArray(),
            }));
        }

        return 0;
    }

    private static async Task<Result> MeasureAsync(string store, int documents, TimeSpan duration, int maxChangesPerTransaction)
    {
        var directory = Directory.CreateTempSubdirectory("converge-group-commit-");
        var postgres = PostgresTestDatabase.ConnectionString;
        var schema = store == "postgres" ? await PostgresTestDatabase.CreateSchemaAsync(postgres!, "bench") : null;
        try
        {
            var services = new ServiceCollection().AddLogging().AddConverge(options =>
            {
                options.DatabasePath = Path.Combine(directory.FullName, "log.db");
                if (schema is not null)
                {
                    options.UsePostgres(postgres!, schema);
                }

                options.MaxFramesPerSecond = 0;
                options.Storage.MaxChangesPerTransaction = maxChangesPerTransaction;
            }).BuildServiceProvider();
            await using (services)
            {
                await services.GetRequiredService<IChangeStore>().InitializeAsync(CancellationToken.None);
                var metrics = services.GetRequiredService<Converge.Server.Observability.ConvergeServerMetrics>();
                var batches = new ConcurrentQueue<int>();
                using var listener = new MeterListener();
                var meter = metrics.Meter;
                listener.InstrumentPublished = (instrument, l) =>
                {
                    if (instrument.Meter == meter && instrument.Name == "converge.server.transaction.batches")
                    {
                        l.EnableMeasurementEvents(instrument);
                    }
                };
                listener.SetMeasurementEventCallback<int>((_, count, _, _) => batches.Enqueue(count));
                listener.Start();

                var sessions = await Task.WhenAll(Enumerable.Range(0, documents).Select(i => ConnectAsync(services, $"client-{i}", $"doc-{i}")));
                // A short warm-up (JIT, pools, authorities loaded), then the measured window.
                await PushForAsync(sessions, TimeSpan.FromSeconds(0.5), 1);
                batches.Clear();
                var stopwatch = Stopwatch.StartNew();
                var acked = await PushForAsync(sessions, duration, 1_000_000);
                var elapsed = stopwatch.Elapsed.TotalSeconds;
                var transactions = batches.ToArray();
                return new Result(acked / elapsed, transactions.Length / elapsed, transactions.Length == 0 ? 0 : transactions.Average());
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
            if (schema is not null)
            {
                await PostgresTestDatabase.DropSchemaAsync(postgres!, schema);
            }
        }
    }

    // Every session pushes one change, waits for its ack, and repeats until the time is up; returns the acks.
    private static async Task<long> PushForAsync(IReadOnlyList<(ServerSession Session, string Document)> sessions, TimeSpan duration, long firstClientSeq)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var counts = await Task.WhenAll(sessions.Select(s => Task.Run(async () =>
        {
            var (session, document) = s;
            long acked = 0;
            var clientSeq = firstClientSeq;
            while (Stopwatch.GetTimestamp() < deadline)
            {
                clientSeq++;
                await session.HandleAsync(new PushFrame(document, [new ClientChange(session.ClientId!, clientSeq,
                    [new SetValue("n", JsonSerializer.SerializeToElement(clientSeq))])]), CancellationToken.None);
                while (await session.Outbound.ReadAsync() is not AckFrame)
                {
                }

                acked++;
            }

            return acked;
        })));
        return counts.Sum();
    }

    private static async Task<(ServerSession, string)> ConnectAsync(ServiceProvider services, string clientId, string documentId)
    {
        var session = new ServerSession(Guid.NewGuid().ToString("N"), new ClaimsPrincipal(new ClaimsIdentity()), services.GetRequiredService<AuthorityRegistry>(),
            services.GetRequiredService<IDocumentAuthorizer>(), services.GetRequiredService<Converge.Server.Observability.ConvergeServerMetrics>(),
            services.GetRequiredService<Converge.Server.Presence.PresenceRegistry>(), services.GetRequiredService<IOptions<ConvergeServerOptions>>().Value,
            NullLogger.Instance);
        await session.HandleAsync(new HelloFrame(ConvergeProtocol.Version, clientId, null, [new Subscription(documentId, 0)]), CancellationToken.None);
        while (await session.Outbound.ReadAsync() is not SubscribedFrame)
        {
        }

        return (session, documentId);
    }

    private sealed record Result(double AckedPerSecond, double TransactionsPerSecond, double MeanBatchesPerTransaction);
}
