using Converge.Client.Transports;
using Converge.IntegrationTests.Infrastructure;
using Converge.Testing.Faults;

namespace Converge.IntegrationTests.Sync;

/// <summary>The article's lost-ack case: the server commits, the connection dies before the ack arrives, the client retries.</summary>
public sealed class LostAckTests
{
    [Theory]
    [InlineData(TransportKind.WebSocket)]
    [InlineData(TransportKind.ServerSentEvents)]
    [InlineData(TransportKind.LongPolling)]
    public async Task An_ack_lost_after_the_commit__is_retried_and_the_change_takes_effect_exactly_once(TransportKind transport)
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"));
        await using var proxy = TestClients.ProxyTo(server);
        await using var client = TestClients.Create(proxy.ToProxyUri(server.SyncUri), transports: transport);
        await client.StartAsync();
        var document = await client.OpenDocumentAsync("doc");

        // Whatever the server sends next is cut at its first byte: the push goes through and commits, its ack does not.
        // Over SSE that may be the uplink POST's response rather than the event stream; HttpClient then repeats the
        // POST on a new connection instead of the client reconnecting, which is a lost ack all the same.
        proxy.DropAfter(ProxyDirections.ServerToClient, 0);
        var receipt = await document.IncrementAsync("votes");

        Assert.Equal(1, await receipt.Acknowledged.WaitAsync(TimeSpan.FromSeconds(30)));
        await document.UntilSequenceAsync(1);
        Assert.Equal(1, document.State.GetCounter("votes"));

        await using var observer = TestClients.Create(server.SyncUri);
        await observer.StartAsync();
        var fresh = await observer.OpenDocumentAsync("doc");
        Assert.Equal(1, fresh.Sequence);
        Assert.Equal(1, fresh.State.GetCounter("votes"));
    }
}
