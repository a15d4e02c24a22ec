using System.Text.Json;
using Converge.Client;
using Converge.Client.Documents;
using Converge.Client.Storage;
using Converge.IntegrationTests.Infrastructure;
using Converge.Model.Documents;
using Converge.Testing.Faults;

namespace Converge.IntegrationTests.Offline;

/// <summary>
/// The connection is cut after the server committed a change and before its ack arrives: the client sends it again
/// (in the same process, or after a restart from its local store) and the server's idempotency key makes it count once.
/// </summary>
public sealed class LostAckTests
{
    private static IReadOnlyList<DocumentOperation> Change(string key) =>
        [new SetValue(key, JsonSerializer.SerializeToElement(true)), new IncrementValue("count", 1)];

    private static ConvergeClient Client(Uri uri, string store) =>
        TestClients.Create(uri, o => o.LocalStore = new LocalStoreOptions { Path = store });

    [Fact]
    public async Task A_lost_ack__is_retried_on_reconnect_and_applied_once()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("server.db"));
        await using var proxy = TestClients.ProxyTo(server);
        await using var client = Client(proxy.ToProxyUri(server.SyncUri), temp.File("client.db"));
        await client.StartAsync();
        var board = await client.OpenDocumentAsync("board");
        var reconnects = client.UntilStatusAsync(static s => s.State == ConnectionState.Reconnecting, "reconnecting after the cut");

        // The next bytes from the server (the ack) never arrive: the connection is reset instead.
        proxy.DropAfter(ProxyDirections.ServerToClient, 0);
        var receipt = await board.ApplyAsync(Change("once"));
        await reconnects;
        var sequence = await receipt.Acknowledged.WaitAsync(DocumentWaits.Timeout);

        var log = await ServerLog.ReadAsync(server, "board");
        Assert.Equal(1, Assert.Single(log.Changes).Sequence);
        Assert.Equal(1, sequence);
        Assert.Equal(1, board.State.GetCounter("count"));
        Assert.Contains(server.Logs.Lines, static l => l.EventId.Name == "AuthorityDuplicateChange");
    }

    [Fact]
    public async Task A_lost_ack_then_the_client_is_gone__the_restarted_client_replays_its_outbox_and_it_is_applied_once()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("server.db"));
        await using var proxy = TestClients.ProxyTo(server);
        var uri = proxy.ToProxyUri(server.SyncUri);
        var store = temp.File("client.db");

        await using (var first = Client(uri, store))
        {
            await first.StartAsync();
            var board = await first.OpenDocumentAsync("board");
            proxy.DropAfter(ProxyDirections.ServerToClient, 0);
            proxy.RefuseNewConnections();
            var receipt = await board.ApplyAsync(Change("once"));
            // Committed on the server, never acknowledged to the client, and the client cannot get back.
            await UntilAsync(async () => (await ServerLog.ReadAsync(server, "board")).Changes.Count == 1, "the server committed the change");
            await first.UntilStatusAsync(static s => s.State == ConnectionState.Reconnecting, "cut off");
            Assert.False(receipt.Acknowledged.IsCompleted);
            Assert.Equal(1, board.PendingCount);
        }

        proxy.AcceptNewConnections();
        await using var second = Client(uri, store);
        var restored = await second.OpenDocumentAsync("board");
        Assert.Equal(DocumentStatus.Stale, restored.Status);
        Assert.Equal(1, restored.PendingCount);
        await second.StartAsync();
        await restored.UntilAsync(static d => d.Status == DocumentStatus.Ready && d.PendingCount == 0, "ready with the outbox settled");

        var log = await ServerLog.ReadAsync(server, "board");
        Assert.Single(log.Changes);
        Assert.Equal(1, restored.State.GetCounter("count"));
        Assert.Equal(1, restored.Sequence);
        Assert.Contains(server.Logs.Lines, static l => l.EventId.Name == "AuthorityDuplicateChange");
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + DocumentWaits.Timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"never reached: {what}");
            await Task.Yield();
        }
    }
}
