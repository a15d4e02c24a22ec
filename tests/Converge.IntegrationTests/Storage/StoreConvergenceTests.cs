using System.Text.Json;
using Converge.IntegrationTests.Infrastructure;

namespace Converge.IntegrationTests.Storage;

/// <summary>
/// The whole server over real Kestrel on each store: clients converge, and a restarted server (a fresh host on the same
/// store) serves the same document from the checkpoint the graceful stop left and continues its sequence. (Recovery from
/// checkpoint + tail after a crash: ServerKillTests and Converge.Server.Tests' CheckpointContractTests.)
/// </summary>
public abstract class StoreConvergenceTests(StoreKind kind) : IAsyncLifetime
{
    private TestStore _store = null!;

    public async ValueTask InitializeAsync() => _store = await TestStore.CreateAsync(kind);

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
    }

    [Fact]
    public async Task Two_clients_converge__and_a_restarted_server_resumes_from_the_checkpoint_it_left()
    {
        void Configure(Converge.Server.ConvergeServerOptions options)
        {
            _store.Configure(options);
            options.Storage.CheckpointEveryChanges = 7;
        }

        long head;
        await using (var server = await TestServer.StartAsync(_store.DatabasePath, Configure))
        {
            await using var a = TestClients.Create(server.SyncUri);
            await using var b = TestClients.Create(server.SyncUri);
            await Task.WhenAll(a.StartAsync(), b.StartAsync());
            var docA = await a.OpenDocumentAsync("doc");
            var docB = await b.OpenDocumentAsync("doc");
            var receipts = new List<Converge.Client.Documents.ChangeReceipt>();
            for (var i = 0; i < 20; i++)
            {
                receipts.Add(await docA.SetAsync($"a{i}", JsonSerializer.SerializeToElement(i)));
                receipts.Add(await docB.SetAsync($"b{i}", JsonSerializer.SerializeToElement(i)));
            }

            head = (await Task.WhenAll(receipts.Select(static r => r.Acknowledged))).Max();
            Assert.Equal(40, head);
            await docA.UntilSequenceAsync(head);
            await docB.UntilSequenceAsync(head);
            Assert.Equal(40, docA.State.Count);
            Assert.Equal(docA.State.Select(static e => e.Value.GetRawText()), docB.State.Select(static e => e.Value.GetRawText()));
        }

        // Checkpoints came every 7 changes, and a graceful stop leaves one at the head.
        await using (var store = _store.Open())
        {
            await store.InitializeAsync(CancellationToken.None);
            Assert.True((await store.ReadCheckpointAsync("doc", CancellationToken.None))?.Sequence > 0);
        }

        await using (var restarted = await TestServer.StartAsync(_store.DatabasePath, Configure))
        {
            await using var c = TestClients.Create(restarted.SyncUri);
            await c.StartAsync();
            var docC = await c.OpenDocumentAsync("doc");
            Assert.Equal(head, docC.Sequence);
            Assert.Equal(40, docC.State.Count);
            Assert.Equal(head + 1, await (await docC.SetAsync("c", JsonSerializer.SerializeToElement(true))).Acknowledged);
        }
    }
}

public sealed class SqliteStoreConvergenceTests() : StoreConvergenceTests(StoreKind.Sqlite);

public sealed class PostgresStoreConvergenceTests() : StoreConvergenceTests(StoreKind.Postgres);
