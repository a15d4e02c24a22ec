using System.Text.Json;
using Converge.Client;
using Converge.Client.Documents;
using Converge.Client.Storage;
using Converge.IntegrationTests.Infrastructure;
using Converge.Model.Documents;
using Microsoft.Extensions.Time.Testing;

namespace Converge.IntegrationTests.Offline;

/// <summary>Hours offline on the client's fake clock, a restart in the middle: edits queue durably and replay in order.</summary>
public sealed class OfflineHoursTests
{
    [Fact]
    public async Task Three_hours_offline_with_a_restart__edits_queue_in_the_store_and_replay_in_order_on_reconnect()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("server.db"));
        await using var proxy = TestClients.ProxyTo(server);
        var uri = proxy.ToProxyUri(server.SyncUri);
        var store = temp.File("client.db");
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        ConvergeClient Client() => TestClients.Create(uri, o =>
        {
            o.TimeProvider = time;
            // The flush window's timer runs on the fake clock too: send at once instead.
            o.FlushWindow = TimeSpan.Zero;
            o.LocalStore = new LocalStoreOptions { Path = store, SnapshotInterval = TimeSpan.FromMinutes(1) };
        });

        var keys = new List<string>();
        async Task EditForAsync(ConvergeDocument document, int edits)
        {
            for (var i = 0; i < edits; i++)
            {
                var key = $"h{keys.Count:D3}";
                keys.Add(key);
                await document.ApplyAsync([new SetValue(key, JsonSerializer.SerializeToElement(time.GetUtcNow())), new IncrementValue("count", 1)]);
                // Five minutes of an offline afternoon: reconnect attempts fail and back off, snapshot timers fire.
                time.Advance(TimeSpan.FromMinutes(5));
                await Task.Yield();
            }
        }

        var first = Client();
        await first.StartAsync();
        var board = await first.OpenDocumentAsync("board");
        proxy.RefuseNewConnections();
        proxy.DropConnections();
        await first.UntilStatusAsync(static s => s.State == ConnectionState.Reconnecting, "offline");
        await EditForAsync(board, 18);
        Assert.Empty((await ServerLog.ReadAsync(server, "board")).Changes);
        await first.DisposeAsync();

        // The app restarts in the middle of the outage: the queue is still there, and the document opens offline.
        await using var second = Client();
        var starting = second.StartAsync();
        var restored = await second.OpenDocumentAsync("board");
        Assert.Equal(DocumentStatus.Stale, restored.Status);
        Assert.Equal(18, restored.PendingCount);
        Assert.Equal(18, restored.State.GetCounter("count"));
        await EditForAsync(restored, 18);
        Assert.Equal(TimeSpan.FromHours(3), time.GetUtcNow() - new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        Assert.Empty((await ServerLog.ReadAsync(server, "board")).Changes);

        proxy.AcceptNewConnections();
        second.NotifyNetworkAvailable();
        await starting;
        await restored.UntilAsync(static d => d.Status == DocumentStatus.Ready && d.PendingCount == 0, "every queued edit acknowledged");

        var log = await ServerLog.ReadAsync(server, "board");
        log.AssertExactlyOnceInOrder();
        Assert.Equal(keys, log.Changes.Select(static c => c.Operations.OfType<SetValue>().Single().Key));
        Assert.Equal(36, restored.State.GetCounter("count"));
        Assert.Equal(Enumerable.Range(1, 36).Select(static i => (long)i), log.Changes.Select(static c => c.ClientSeq));
    }
}
