using System.Text.Json;
using Converge.Client;
using Converge.Client.Documents;
using Converge.Client.Storage;
using Converge.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Converge.IntegrationTests.Offline;

/// <summary>The cache quota, seen from the app: least recently used documents go, one with pending changes never does.</summary>
public sealed class CacheQuotaTests
{
    [Fact]
    public async Task Over_quota__least_recently_used_documents_are_evicted_but_never_one_with_pending_changes()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("server.db"));
        await using var proxy = TestClients.ProxyTo(server);
        var uri = proxy.ToProxyUri(server.SyncUri);
        var store = temp.File("client.db");
        // Fake time orders the documents' last use; a zero flush window sends at once (its timer would wait for the fake clock).
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        var payload = JsonSerializer.SerializeToElement(new string('x', 4000));

        await using (var first = TestClients.Create(uri, o => { o.TimeProvider = time; o.FlushWindow = TimeSpan.Zero; o.LocalStore = new LocalStoreOptions { Path = store }; }))
        {
            await first.StartAsync();
            // "pending" is used first, so it is the least recently used of all, and it keeps an unacknowledged change.
            foreach (var id in new[] { "pending", "a", "b", "c" })
            {
                var document = await first.OpenDocumentAsync(id);
                await (await document.SetAsync("body", payload)).Acknowledged.WaitAsync(DocumentWaits.Timeout);
                time.Advance(TimeSpan.FromMinutes(1));
            }

            proxy.RefuseNewConnections();
            proxy.DropConnections();
            await first.UntilStatusAsync(static s => s.State == ConnectionState.Reconnecting, "offline");
            var pending = await first.OpenDocumentAsync("pending");
            await pending.SetAsync("offline", payload);
        }

        // Room for about two of the four documents: the oldest without pending changes ("a", then "b") must go.
        await using var second = TestClients.Create(uri, o => { o.TimeProvider = time; o.FlushWindow = TimeSpan.Zero; o.LocalStore = new LocalStoreOptions { Path = store, CacheQuotaBytes = 13_000 }; });
        var starting = second.StartAsync();
        var kept = await second.OpenDocumentAsync("pending");
        Assert.Equal(DocumentStatus.Stale, kept.Status);
        Assert.Equal(1, kept.PendingCount);
        Assert.Equal(DocumentStatus.Stale, (await second.OpenDocumentAsync("c")).Status);

        // Evicted: not shown offline (no partial state); it waits for the server.
        var evicted = second.OpenDocumentAsync("a");
        await second.UntilStatusAsync(static s => s.State == ConnectionState.Reconnecting, "still offline");
        Assert.False(evicted.IsCompleted);

        proxy.AcceptNewConnections();
        second.NotifyNetworkAvailable();
        await starting;
        var a = await evicted.WaitAsync(DocumentWaits.Timeout);
        Assert.Equal(DocumentStatus.Ready, a.Status);
        // Its client sequence survived the eviction: a new change is applied, not taken for a duplicate of change 1.
        var receipt = await a.SetAsync("after", payload);
        Assert.Equal(2, receipt.ClientSequence);
        await receipt.Acknowledged.WaitAsync(DocumentWaits.Timeout);
        Assert.Equal(2, (await ServerLog.ReadAsync(server, "a")).Changes.Count);
        await kept.UntilAsync(static d => d.PendingCount == 0, "the pending change sent");
    }
}
