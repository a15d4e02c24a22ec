using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Converge.Model.Documents;
using Converge.Protocol.Codecs;
using Converge.Bench;
using Microsoft.Data.Sqlite;

namespace Converge.LoadBench;

/// <summary>
/// Acknowledged durable changes per second. Converge: W writers (thin protocol clients), each pushing one change and
/// waiting for its ack before the next, either all on one document (each change also fanned out to the other W − 1)
/// or each on its own (no fan-out, as in the raw loop); the server makes every change durable (SQLite WAL,
/// synchronous=FULL, group commit within and across documents) before acking. Raw SQLite: the same W writers as tasks handing a row to one
/// writer loop that commits whatever is queued as one transaction (group commit) and then releases them — same
/// schema, same pragmas, same row contents. Also a naive loop (one row per transaction) for scale.
/// </summary>
internal static class DurableScenario
{
    private const string DocumentId = "durable";
    private const int MaxChangesPerCommit = 512; // ConvergeServerOptions.MaxChangesPerCommit's default

    /// <summary>Name of the run with every writer on one document: each change is also fanned out to the other writers.</summary>
    public const string SharedDocument = "Converge server, one shared document (WebSocket clients, ack after fsync, fan-out to the other writers)";

    /// <summary>Name of the run with a document per writer: no fan-out, like the raw loop; the groups meet in cross-document group commit.</summary>
    public const string DocumentPerWriter = "Converge server, a document per writer (WebSocket clients, ack after fsync, no fan-out)";

    public static async Task<DurableRun> RunConvergeAsync(string serverDll, Settings settings, bool documentPerWriter)
    {
        FanoutScenario.Log(documentPerWriter ? "durable: Converge server, a document per writer" : "durable: Converge server, one shared document");
        await using var server = await ServerProcess.StartAsync(serverDll, "converge");
        var uri = new Uri($"ws://127.0.0.1:{server.Port}/sync");
        var writers = await Connecting.ManyAsync(settings.DurableWriters,
            i => ThinConvergeConnection.ConnectAsync(uri, $"bench-writer-{i:00}", documentPerWriter ? $"{DocumentId}-{i:00}" : DocumentId));
        try
        {
            var latencies = new DeliveryRecorder(long.MaxValue);
            var waiting = new TaskCompletionSource<long>[writers.Count];
            for (var i = 0; i < writers.Count; i++)
            {
                var index = i;
                writers[i].SkipChanges = true;
                writers[i].OnAck = ack => Volatile.Read(ref waiting[index])?.TrySetResult(ack.Sequence);
            }

            // Warm-up (Settings.DurableWarmupSeconds), then the measured window.
            await WriteForAsync(writers, waiting, TimeSpan.FromSeconds(settings.DurableWarmupSeconds), null);
            var commitsBefore = await server.CommitsAsync();
            var cpu = server.CpuTime();
            var started = Stopwatch.GetTimestamp();
            var acknowledged = await WriteForAsync(writers, waiting, TimeSpan.FromSeconds(settings.DurableSeconds), latencies);
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var cores = (server.CpuTime() - cpu).TotalSeconds / seconds;
            var commitsAfter = await server.CommitsAsync();
            var transactions = commitsAfter.Transactions - commitsBefore.Transactions;
            var rowsPerCommit = transactions > 0 ? (double)(commitsAfter.Changes - commitsBefore.Changes) / transactions : double.NaN;
            return Log(new DurableRun(documentPerWriter ? DocumentPerWriter : SharedDocument, writers.Count, seconds, acknowledged,
                latencies.Percentile(0.5), latencies.Percentile(0.99), rowsPerCommit, cores));
        }
        finally
        {
            foreach (var writer in writers)
            {
                await writer.DisposeAsync();
            }
        }
    }

    private static async Task<long> WriteForAsync(
        List<ThinConvergeConnection> writers, TaskCompletionSource<long>[] waiting, TimeSpan duration, DeliveryRecorder? latencies)
    {
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long acknowledged = 0;
        await Task.WhenAll(writers.Select(async (writer, index) =>
        {
            while (Stopwatch.GetTimestamp() < until)
            {
                var pending = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
                Volatile.Write(ref waiting[index], pending);
                var sentAt = Stopwatch.GetTimestamp();
                await writer.PushAsync("t", ConvergeDriver.Value(sentAt));
                await pending.Task.WaitAsync(TimeSpan.FromSeconds(30));
                latencies?.Record(sentAt);
                Interlocked.Increment(ref acknowledged);
            }
        }));
        return acknowledged;
    }

    /// <summary>
    /// The durable practical limit over the network: the same W writers as WebSocket clients of the bench server's raw
    /// <c>/durable</c> endpoint (SQLite group commit, then an 8-byte ack; no protocol, no fan-out), each waiting for its ack.
    /// </summary>
    public static async Task<DurableRun> RunRawWebSocketAsync(string serverDll, Settings settings)
    {
        FanoutScenario.Log("durable: raw Kestrel WebSocket + SQLite group commit");
        await using var server = await ServerProcess.StartAsync(serverDll, "raw");
        var uri = new Uri($"ws://127.0.0.1:{server.Port}/durable");
        var sockets = await Connecting.ManyAsync(settings.DurableWriters, async _ =>
        {
            var socket = new System.Net.WebSockets.ClientWebSocket();
            socket.Options.KeepAliveInterval = TimeSpan.Zero;
            await socket.ConnectAsync(uri, CancellationToken.None);
            return socket;
        });
        try
        {
            var clientSeqs = new long[sockets.Count];
            async Task<long> WriteFor(TimeSpan duration, DeliveryRecorder? latencies)
            {
                var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
                long acknowledged = 0;
                await Task.WhenAll(sockets.Select(async (socket, w) =>
                {
                    var ack = new byte[64];
                    while (Stopwatch.GetTimestamp() < until)
                    {
                        var sentAt = Stopwatch.GetTimestamp();
                        var row = OperationJson.Serialize([new SetValue("t", ConvergeDriver.Value(sentAt))]);
                        var message = new byte[8 + row.Length];
                        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(message, ++clientSeqs[w]);
                        row.CopyTo(message, 8);
                        await socket.SendAsync(message, System.Net.WebSockets.WebSocketMessageType.Binary, true, CancellationToken.None);
                        await socket.ReceiveAsync(ack.AsMemory(), CancellationToken.None);
                        latencies?.Record(sentAt);
                        Interlocked.Increment(ref acknowledged);
                    }
                }));
                return acknowledged;
            }

            await WriteFor(TimeSpan.FromSeconds(settings.DurableWarmupSeconds), null);
            var latencies = new DeliveryRecorder(long.MaxValue);
            var cpu = server.CpuTime();
            var started = Stopwatch.GetTimestamp();
            var acknowledged = await WriteFor(TimeSpan.FromSeconds(settings.DurableSeconds), latencies);
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var cores = (server.CpuTime() - cpu).TotalSeconds / seconds;
            return Log(new DurableRun("raw Kestrel WebSocket + SQLite (group commit, ack per message, no fan-out)", sockets.Count, seconds, acknowledged,
                latencies.Percentile(0.5), latencies.Percentile(0.99), double.NaN, cores));
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Abort();
                socket.Dispose();
            }
        }
    }

    /// <summary>The raw SQLite baseline: W writer tasks, one group-committing writer loop, the server store's schema and pragmas.</summary>
    public static async Task<DurableRun> RunRawSqliteAsync(Settings settings)
    {
        FanoutScenario.Log("durable: raw SQLite, group commit");
        var directory = Directory.CreateTempSubdirectory("converge-bench-sqlite-");
        try
        {
            await using var store = await RawStore.OpenAsync(Path.Combine(directory.FullName, "raw.db"));
            var queue = Channel.CreateUnbounded<(string ClientId, long ClientSeq, byte[] Row, TaskCompletionSource Done)>(new UnboundedChannelOptions { SingleReader = true });
            long sequence = 0, commits = 0, rows = 0;
            var clientSeqs = new long[settings.DurableWriters];
            var writerLoop = Task.Run(async () =>
            {
                var batch = new List<(string ClientId, long ClientSeq, byte[] Row, TaskCompletionSource Done)>();
                while (await queue.Reader.WaitToReadAsync())
                {
                    while (batch.Count < MaxChangesPerCommit && queue.Reader.TryRead(out var item))
                    {
                        batch.Add(item);
                    }

                    try
                    {
                        await store.AppendAsync(batch.Select(b => (++sequence, b.ClientId, b.ClientSeq, b.Row)).ToList());
                        commits++;
                        rows += batch.Count;
                        foreach (var item in batch)
                        {
                            item.Done.TrySetResult();
                        }
                    }
                    catch (Exception ex)
                    {
                        foreach (var item in batch)
                        {
                            item.Done.TrySetException(ex);
                        }
                    }

                    batch.Clear();
                }
            });

            async Task<long> WriteFor(TimeSpan duration, DeliveryRecorder? latencies)
            {
                var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
                long acknowledged = 0;
                await Task.WhenAll(Enumerable.Range(0, settings.DurableWriters).Select(w => Task.Run(async () =>
                {
                    var clientId = $"bench-writer-{w:00}";
                    while (Stopwatch.GetTimestamp() < until)
                    {
                        var sentAt = Stopwatch.GetTimestamp();
                        // The row holds what the server's row holds: the operations as OperationJson.
                        var row = OperationJson.Serialize([new SetValue("t", ConvergeDriver.Value(sentAt))]);
                        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                        queue.Writer.TryWrite((clientId, ++clientSeqs[w], row, done));
                        await done.Task;
                        latencies?.Record(sentAt);
                        Interlocked.Increment(ref acknowledged);
                    }
                })));
                return acknowledged;
            }

            await WriteFor(TimeSpan.FromSeconds(settings.DurableWarmupSeconds), null);
            var latencies = new DeliveryRecorder(long.MaxValue);
            var commitsBefore = commits;
            var rowsBefore = rows;
            var started = Stopwatch.GetTimestamp();
            var acknowledged = await WriteFor(TimeSpan.FromSeconds(settings.DurableSeconds), latencies);
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var group = (double)(rows - rowsBefore) / Math.Max(1, commits - commitsBefore);
            queue.Writer.TryComplete();
            await writerLoop;
            return Log(new DurableRun("raw SQLite insert loop (group commit)", settings.DurableWriters, seconds, acknowledged,
                latencies.Percentile(0.5), latencies.Percentile(0.99), group, double.NaN));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    /// <summary>For scale: one row per transaction (one fsync each), one writer, no concurrency.</summary>
    public static async Task<DurableRun> RunRawSqliteNaiveAsync(double seconds)
    {
        FanoutScenario.Log("durable: raw SQLite, one row per transaction");
        var directory = Directory.CreateTempSubdirectory("converge-bench-sqlite-");
        try
        {
            await using var store = await RawStore.OpenAsync(Path.Combine(directory.FullName, "raw.db"));
            var latencies = new DeliveryRecorder(long.MaxValue);
            var until = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
            var started = Stopwatch.GetTimestamp();
            long n = 0;
            while (Stopwatch.GetTimestamp() < until)
            {
                var sentAt = Stopwatch.GetTimestamp();
                n++;
                await store.AppendAsync([(n, "bench-writer-00", n, OperationJson.Serialize([new SetValue("t", ConvergeDriver.Value(sentAt))]))]);
                latencies.Record(sentAt);
            }

            return Log(new DurableRun("raw SQLite insert loop (one row per transaction)", 1, Stopwatch.GetElapsedTime(started).TotalSeconds, n,
                latencies.Percentile(0.5), latencies.Percentile(0.99), 1, double.NaN));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    private static DurableRun Log(DurableRun run)
    {
        FanoutScenario.Log($"  {run.Name}: {run.Acknowledged:N0} in {run.Seconds:0.00} s = {run.PerSecond:N0}/s, p50 {run.P50Ms:0.00} ms, p99 {run.P99Ms:0.00} ms, group {run.AverageGroup:0.0}, server {run.ServerCpuCores:0.00} cores");
        return run;
    }
}
