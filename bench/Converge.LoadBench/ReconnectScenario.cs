using System.Diagnostics;
using System.Text.Json;
using Converge.Bench;
using Converge.Client;
using Converge.Client.Documents;
using Converge.Client.Transports;
using Converge.Model.Documents;
using Converge.Protocol.Codecs;

namespace Converge.LoadBench;

/// <summary>
/// The real <see cref="ConvergeClient"/> (WebSocket, default options otherwise): N changes made while paused, then
/// <c>ResumeAsync</c>, timed until every receipt is acknowledged; against the same N changes made online (timed from
/// the first change to the last ack) and a raw SQLite loop writing N rows in transactions of 64 (the client's frame
/// size), the storage floor.
/// </summary>
internal static class ReconnectScenario
{
    public static async Task<ReconnectResult> RunAsync(string serverDll, Settings settings)
    {
        FanoutScenario.Log("reconnect: Converge server");
        await using var server = await ServerProcess.StartAsync(serverDll, "converge");
        var options = new ConvergeClientOptions { ServerUri = new Uri($"ws://127.0.0.1:{server.Port}/sync"), ClientId = "bench-offline" };
        options.Transports.Clear();
        options.Transports.Add(TransportKind.WebSocket);
        await using var client = new ConvergeClient(options);
        await client.StartAsync();
        var document = await client.OpenDocumentAsync("reconnect");
        var n = settings.OfflineChanges;

        // Warm-up: the same path, small.
        await MakeAsync(document, 500, "w");

        var online = Stopwatch.StartNew();
        await Task.WhenAll(await MakeAsync(document, n, "on"));
        online.Stop();

        await client.PauseAsync();
        var receipts = await MakeAsync(document, n, "off");
        var offline = Stopwatch.StartNew();
        await client.ResumeAsync();
        await Task.WhenAll(receipts).WaitAsync(TimeSpan.FromMinutes(3));
        offline.Stop();

        var raw = await RawSqliteAsync(n);
        var result = new ReconnectResult(n, offline.Elapsed.TotalSeconds, online.Elapsed.TotalSeconds, raw);
        FanoutScenario.Log($"  reconnect: {n} offline changes acknowledged {result.OfflineSeconds:0.000} s after resume; online {result.OnlineSeconds:0.000} s; raw SQLite {raw:0.000} s");
        return result;
    }

    private static async Task<List<Task<long>>> MakeAsync(ConvergeDocument document, int count, string prefix)
    {
        var acks = new List<Task<long>>(count);
        for (var i = 0; i < count; i++)
        {
            var receipt = await document.SetAsync($"{prefix}{i % 1000}", JsonSerializer.SerializeToElement(i));
            acks.Add(receipt.Acknowledged);
        }

        return acks;
    }

    private static async Task<double> RawSqliteAsync(int n)
    {
        var directory = Directory.CreateTempSubdirectory("converge-bench-sqlite-");
        try
        {
            await using var store = await RawStore.OpenAsync(Path.Combine(directory.FullName, "raw.db"));
            var rows = Enumerable.Range(1, n)
                .Select(i => ((long)i, "bench-offline", (long)i, OperationJson.Serialize([new SetValue($"off{i % 1000}", JsonSerializer.SerializeToElement(i))])))
                .ToList();
            var watch = Stopwatch.StartNew();
            foreach (var chunk in rows.Chunk(64))
            {
                await store.AppendAsync(chunk);
            }

            return watch.Elapsed.TotalSeconds;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }
}
