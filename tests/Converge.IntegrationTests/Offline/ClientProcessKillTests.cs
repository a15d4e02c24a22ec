using System.Diagnostics;
using Converge.Client;
using Converge.IntegrationTests.Infrastructure;
using Converge.Testing.Faults;

namespace Converge.IntegrationTests.Offline;

/// <summary>
/// The client process is killed (SIGKILL) mid-flight and started again on the same local store: every change it had
/// handed out a receipt for takes effect on the server exactly once — none lost, none doubled — online and offline.
/// </summary>
public sealed class ClientProcessKillTests(ITestOutputHelper output)
{
    private const string Document = "kill-board";

    [Fact]
    public async Task Killed_mid_flight_three_times__every_receipted_change_takes_effect_exactly_once()
    {
        var watch = Stopwatch.StartNew();
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("server.db"));
        var store = temp.File("client/store.db");
        var receipted = new List<string>();
        var restoredPending = new List<int>();
        string? clientId = null;

        // Kill points spread out, so that some kills land between a commit on the server and its ack.
        foreach (var (run, killAfter) in new[] { ("a", 25), ("b", 60), ("c", 40) })
        {
            await using var host = ClientHostProcess.Start(server.SyncUri, store, Document, run, changes: 5000, finish: false);
            await host.UntilReceiptsAsync(killAfter);
            await host.KillAsync();
            receipted.AddRange(host.ReceiptedKeys);
            restoredPending.Add(int.Parse(host.Opened[1], System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(clientId is null || clientId == host.Opened[2], "a restarted process must keep its client id");
            clientId = host.Opened[2];
            Assert.True(host.ReceiptedSequences.SequenceEqual(host.ReceiptedSequences.Order()) && host.ReceiptedSequences.Distinct().Count() == host.ReceiptedSequences.Count,
                "client sequences must keep rising across restarts");
        }

        await using (var last = ClientHostProcess.Start(server.SyncUri, store, Document, "final", changes: 10, finish: true))
        {
            await last.UntilAsync(static line => line.StartsWith("DONE", StringComparison.Ordinal), "DONE");
            Assert.Equal(0, await last.WaitForExitAsync());
            receipted.AddRange(last.ReceiptedKeys);
            restoredPending.Add(int.Parse(last.Opened[1], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal("Stale", last.Opened[0]);
        }

        var log = await ServerLog.ReadAsync(server, Document);
        log.AssertExactlyOnceInOrder();
        var writes = log.KeyWrites();
        var lost = receipted.Where(k => !writes.ContainsKey(k)).ToArray();
        Assert.True(lost.Length == 0, $"receipted but lost: {string.Join(", ", lost)}");
        // Every change increments "count": the server's counter equals the number of changes, so none counted twice.
        Assert.Equal(log.Changes.Count, await CounterAsync(server));
        Assert.All(log.Changes, c => Assert.Equal(clientId, c.ClientId));
        output.WriteLine($"{receipted.Count} receipted changes over 3 kills + 1 clean run, {log.Changes.Count} applied " +
            $"({log.Changes.Count - receipted.Count} made durable but killed before their receipt was printed); " +
            $"outbox rows found at restart: {string.Join(", ", restoredPending)}; {Duplicates(server)} re-sent changes answered " +
            $"with their original ack; {watch.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task Killed_while_the_server_is_unreachable__the_outbox_is_replayed_exactly_once_when_it_comes_back()
    {
        var watch = Stopwatch.StartNew();
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("server.db"));
        await using var proxy = TestClients.ProxyTo(server);
        var uri = proxy.ToProxyUri(server.SyncUri);
        var store = temp.File("client/store.db");
        var receipted = new List<string>();

        await using (var online = ClientHostProcess.Start(uri, store, Document, "online", changes: 5000, finish: false))
        {
            await online.UntilReceiptsAsync(30);
            await online.KillAsync();
            receipted.AddRange(online.ReceiptedKeys);
            Assert.Equal("Ready", online.Opened[0]);
        }

        proxy.RefuseNewConnections();
        List<string> offlineKeys;
        await using (var offline = ClientHostProcess.Start(uri, store, Document, "offline", changes: 5000, finish: false))
        {
            await offline.UntilReceiptsAsync(50);
            await offline.KillAsync();
            // Opened from the store with no server in reach: the cached state at once, flagged stale.
            Assert.Equal("Stale", offline.Opened[0]);
            offlineKeys = offline.ReceiptedKeys;
            receipted.AddRange(offlineKeys);
        }

        // Judged by the offline run's own keys, not by a count: the killed online run's last pushes may still be
        // committing on the server when the offline run starts.
        var whileOffline = (await ServerLog.ReadAsync(server, Document)).KeyWrites();
        Assert.DoesNotContain(offlineKeys, whileOffline.ContainsKey);

        proxy.AcceptNewConnections();
        await using (var back = ClientHostProcess.Start(uri, store, Document, "back", changes: 10, finish: true))
        {
            await back.UntilAsync(static line => line.StartsWith("DONE", StringComparison.Ordinal), "DONE");
            Assert.Equal(0, await back.WaitForExitAsync());
            Assert.True(int.Parse(back.Opened[1], System.Globalization.CultureInfo.InvariantCulture) >= offlineKeys.Count,
                $"the outbox must hold at least the {offlineKeys.Count} offline receipts; it held {back.Opened[1]}");
            receipted.AddRange(back.ReceiptedKeys);
        }

        var log = await ServerLog.ReadAsync(server, Document);
        log.AssertExactlyOnceInOrder();
        var writes = log.KeyWrites();
        var lost = receipted.Where(k => !writes.ContainsKey(k)).ToArray();
        Assert.True(lost.Length == 0, $"receipted but lost: {string.Join(", ", lost)}");
        Assert.Equal(log.Changes.Count, await CounterAsync(server));
        // The offline changes reached the server in the order they were made.
        var order = log.Changes.SelectMany(static c => c.Operations).OfType<Converge.Model.Documents.SetValue>()
            .Select(static s => s.Key).Where(k => offlineKeys.Contains(k)).ToArray();
        Assert.Equal(offlineKeys, order);
        output.WriteLine($"{offlineKeys.Count} offline receipts replayed after a kill; {receipted.Count} receipted, {log.Changes.Count} applied; " +
            $"{Duplicates(server)} re-sent changes answered with their original ack; {watch.Elapsed.TotalSeconds:F1} s");
    }

    private static int Duplicates(TestServer server) =>
        server.Logs.Lines.Count(static l => l.EventId.Name == "AuthorityDuplicateChange");

    private static async Task<long> CounterAsync(TestServer server)
    {
        await using var reader = new ConvergeClient(new ConvergeClientOptions { ServerUri = server.SyncUri });
        await reader.StartAsync();
        var document = await reader.OpenDocumentAsync(Document);
        return document.State.GetCounter("count");
    }
}
