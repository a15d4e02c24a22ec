using Converge.Client.Transports;
using Converge.IntegrationTests.Infrastructure;

namespace Converge.IntegrationTests.Sync;

/// <summary>Collaborative text fields (OT and CRDT) in documents, end to end: concurrent typing on different transports and latencies converges, every edit counted once.</summary>
public sealed class CollaborativeTextTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Three_clients_typing_into_one_text_concurrently__converge_with_every_edit_applied_once(bool crdt)
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"));
        await using var proxy = TestClients.ProxyTo(server);
        proxy.SetLatency(TimeSpan.FromMilliseconds(15), TimeSpan.FromMilliseconds(5));
        await using var alice = TestClients.Create(server.SyncUri, transports: TransportKind.WebSocket);
        await using var bob = TestClients.Create(proxy.ToProxyUri(server.SyncUri), transports: TransportKind.LongPolling);
        await using var carol = TestClients.Create(proxy.ToProxyUri(server.SyncUri), transports: TransportKind.ServerSentEvents);
        await Task.WhenAll(alice.StartAsync(), bob.StartAsync(), carol.StartAsync());
        var documents = new[] { await alice.OpenDocumentAsync("doc"), await bob.OpenDocumentAsync("doc"), await carol.OpenDocumentAsync("doc") };

        var receipts = new List<Task<long>>();
        async Task TypeAsync(int who, int seed)
        {
            var random = new Random(seed);
            var document = documents[who];
            for (var i = 0; i < 60; i++)
            {
                var length = document.State.GetText("desc").EnumerateRunes().Count();
                var position = random.Next(length + 1);
                var deleted = random.Next(4) == 0 ? random.Next(Math.Min(3, length - position) + 1) : 0;
                var inserted = random.Next(5) == 0 ? "🙂" : ((char)('a' + who)).ToString();
                var receipt = crdt
                    ? await document.EditCrdtTextAsync("desc", position, deleted, inserted)
                    : await document.EditTextAsync("desc", position, deleted, inserted);
                lock (receipts)
                {
                    receipts.Add(receipt.Acknowledged);
                }

                if (random.Next(8) == 0)
                {
                    await receipt.Acknowledged;
                }
            }
        }

        await Task.WhenAll(TypeAsync(0, 1), TypeAsync(1, 2), TypeAsync(2, 3));
        var sequences = await Task.WhenAll(receipts).WaitAsync(TimeSpan.FromSeconds(60));
        var head = sequences.Max();
        foreach (var document in documents)
        {
            await document.UntilSequenceAsync(head);
        }

        var text = documents[0].State.GetText("desc");
        Assert.All(documents, d => Assert.Equal(text, d.State.GetText("desc")));
        // OT counts every edit as a revision; a CRDT text has none, and each client's 60 insertions are all there.
        Assert.Equal(crdt ? 0 : 180, documents[0].State.GetTextRevision("desc"));
        Assert.Equal(Enumerable.Range(1, 180).Select(i => (long)i), sequences.Order());

        await using var observer = TestClients.Create(server.SyncUri);
        await observer.StartAsync();
        Assert.Equal(text, (await observer.OpenDocumentAsync("doc")).State.GetText("desc"));
    }
}
