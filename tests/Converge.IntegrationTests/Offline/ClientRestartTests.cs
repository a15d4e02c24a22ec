using System.Text.Json;
using Converge.Client;
using Converge.Client.Documents;
using Converge.Client.Storage;
using Converge.IntegrationTests.Infrastructure;
using Converge.Model.Documents;
using Microsoft.Extensions.Logging;

namespace Converge.IntegrationTests.Offline;

/// <summary>A client restarted on its local store against a real server: cached state at once, then resync and replay.</summary>
public sealed class ClientRestartTests
{
    private static JsonElement Json(object value) => JsonSerializer.SerializeToElement(value);

    private static ConvergeClient Client(Uri uri, string store, string? clientId = null) =>
        TestClients.Create(uri, o =>
        {
            o.LocalStore = new LocalStoreOptions { Path = store };
            o.ClientId = clientId;
        });

    [Fact]
    public async Task Text_edits_made_offline_and_chained_on_each_other__survive_a_restart_and_merge_with_edits_made_meanwhile()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("server.db"));
        var store = temp.File("client.db");

        await using (var first = Client(server.SyncUri, store))
        {
            await first.StartAsync();
            var doc = await first.OpenDocumentAsync("doc");
            await (await doc.EditTextAsync("ot", 0, 0, "hello world")).Acknowledged;
            await (await doc.EditCrdtTextAsync("crdt", 0, 0, "hello world")).Acknowledged;
            await first.PauseAsync();
            // Offline: chained OT edits (each on top of the previous, unacknowledged one) and CRDT edits.
            await doc.EditTextAsync("ot", 0, 5, "HELLO");
            await doc.EditTextAsync("ot", 11, 0, "!");
            await doc.EditCrdtTextAsync("crdt", 0, 5, "HELLO");
            await doc.EditCrdtTextAsync("crdt", 11, 0, "!");
            Assert.Equal("HELLO world!", doc.State.GetText("ot"));
        }

        // Meanwhile someone else edits the middle of both texts.
        await using (var bob = TestClients.Create(server.SyncUri))
        {
            await bob.StartAsync();
            var theirs = await bob.OpenDocumentAsync("doc");
            await (await theirs.EditTextAsync("ot", 5, 1, ", dear ")).Acknowledged;
            await (await theirs.EditCrdtTextAsync("crdt", 5, 1, ", dear ")).Acknowledged;
        }

        await using var second = Client(server.SyncUri, store);
        var restored = await second.OpenDocumentAsync("doc");
        Assert.Equal(4, restored.PendingCount);
        await second.StartAsync();
        await restored.UntilAsync(static d => d.Status == DocumentStatus.Ready && d.PendingCount == 0, "replayed and resynced");
        Assert.Equal("HELLO, dear world!", restored.State.GetText("ot"));
        Assert.Equal("HELLO, dear world!", restored.State.GetText("crdt"));

        await using var observer = TestClients.Create(server.SyncUri);
        await observer.StartAsync();
        Assert.True((await observer.OpenDocumentAsync("doc")).State.ContentEquals(restored.State));
        (await ServerLog.ReadAsync(server, "doc")).AssertExactlyOnceInOrder();
    }

    [Fact]
    public async Task A_document_opened_after_the_connection_is_up__pushes_its_restored_outbox_without_waiting_for_a_new_edit()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("server.db"));
        var store = temp.File("client.db");

        await using (var first = Client(server.SyncUri, store))
        {
            await first.StartAsync();
            var doc = await first.OpenDocumentAsync("doc");
            await first.PauseAsync();
            await doc.SetAsync("a", Json(1));
            await doc.IncrementAsync("n", 2);
        }

        // Connected first, document opened second: the subscription happens on a live connection, and nothing new is
        // edited, so only the restored outbox itself can cause the push.
        await using var second = Client(server.SyncUri, store);
        await second.StartAsync();
        var restored = await second.OpenDocumentAsync("doc");
        await restored.UntilAsync(static d => d.Status == DocumentStatus.Ready && d.PendingCount == 0, "the restored outbox acknowledged");

        var log = await ServerLog.ReadAsync(server, "doc");
        log.AssertExactlyOnceInOrder();
        Assert.Equal(2, log.Changes.Count);
        Assert.Equal(2, restored.State.GetCounter("n"));
    }

    [Fact]
    public async Task A_restarted_client__shows_the_cached_document_at_once_as_stale_then_resyncs_and_replays_its_outbox()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("server.db"));
        var store = temp.File("client.db");
        string clientId;
        long cachedSequence;

        await using (var first = Client(server.SyncUri, store))
        {
            clientId = first.ClientId;
            await first.StartAsync();
            var board = await first.OpenDocumentAsync("board");
            await (await board.SetAsync("a", Json(1))).Acknowledged;
            await (await board.IncrementAsync("count")).Acknowledged;
            await first.PauseAsync();
            // Offline: only in the outbox.
            await board.ApplyAsync([new SetValue("offline", Json(true)), new IncrementValue("count", 1)]);
            cachedSequence = board.Sequence;
            Assert.Equal(1, board.PendingCount);
        }

        // Someone else moves the document on while this client is gone.
        await using (var bob = TestClients.Create(server.SyncUri))
        {
            await bob.StartAsync();
            var theirs = await bob.OpenDocumentAsync("board");
            await (await theirs.SetAsync("bob", Json("was here"))).Acknowledged;
        }

        await using var second = Client(server.SyncUri, store);
        Assert.Equal(clientId, second.ClientId);
        // Not started: no network at all, yet the document opens at once from the store.
        var restored = await second.OpenDocumentAsync("board");
        Assert.Equal(DocumentStatus.Stale, restored.Status);
        Assert.Equal(cachedSequence, restored.Sequence);
        Assert.Equal(1, restored.PendingCount);
        Assert.True(restored.State["offline"].GetBoolean());
        Assert.Equal(2, restored.State.GetCounter("count"));
        Assert.False(restored.State.ContainsKey("bob"));

        await second.StartAsync();
        await restored.UntilAsync(static d => d.Status == DocumentStatus.Ready && d.PendingCount == 0 && d.State.ContainsKey("bob"), "ready, replayed and resynced");
        Assert.Equal(2, restored.State.GetCounter("count"));
        Assert.True(restored.State.ContentEquals(restored.ConfirmedState));

        var log = await ServerLog.ReadAsync(server, "board");
        log.AssertExactlyOnceInOrder();
        Assert.Equal(4, log.Changes.Count);
        Assert.Equal([1L, 2L, 3L], log.Changes.Where(c => c.ClientId == clientId).Select(static c => c.ClientSeq));

        // The client sequence goes on from the store, not from 1: a new change is applied, not taken for a duplicate.
        var next = await restored.SetAsync("after", Json("restart"));
        Assert.Equal(4, next.ClientSequence);
        await next.Acknowledged;
        Assert.Equal(5, (await ServerLog.ReadAsync(server, "board")).Changes.Count);
    }

    [Fact]
    public async Task A_corrupt_cached_state__is_logged_dropped_and_the_document_downloaded_again_never_shown()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("server.db"));
        var store = temp.File("client.db");
        await using (var first = Client(server.SyncUri, store))
        {
            await first.StartAsync();
            var board = await first.OpenDocumentAsync("board");
            await (await board.SetAsync("a", Json(1))).Acknowledged;
        }

        using (var raw = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={store};Pooling=False"))
        {
            raw.Open();
            using var corrupt = raw.CreateCommand();
            corrupt.CommandText = "UPDATE documents SET snapshot = x'7b7b7b'";
            Assert.Equal(1, corrupt.ExecuteNonQuery());
        }

        var logs = new CapturingLoggerProvider();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs));
        await using var second = new ConvergeClient(new ConvergeClientOptions { ServerUri = server.SyncUri, LocalStore = new LocalStoreOptions { Path = store } }, loggers);
        await second.StartAsync();
        var reloaded = await second.OpenDocumentAsync("board");
        Assert.Equal(DocumentStatus.Ready, reloaded.Status);
        Assert.Equal(1, reloaded.State["a"].GetInt32());
        var error = Assert.Single(logs.Lines, static l => l.EventId.Name == "ClientStoreCorruptRow");
        Assert.Equal(ClientStoreException.Corrupt, Assert.IsType<ClientStoreException>(error.Exception).ErrorCode);
    }

    [Fact]
    public async Task A_store_made_for_one_client_id__refuses_another_and_keeps_its_own_when_none_is_given()
    {
        // (A second client on an open store is refused with store_in_use: SqliteClientStoreTests, with a short wait.)
        using var temp = new TempDirectory();
        var store = temp.File("client.db");
        var uri = new Uri("ws://127.0.0.1:9/sync");
        await using (var first = Client(uri, store, "alice"))
        {
            Assert.Equal("alice", first.ClientId);
        }

        var mismatch = Assert.Throws<ClientStoreException>(() => Client(uri, store, "bob"));
        Assert.Equal(ClientStoreException.IdentityMismatch, mismatch.ErrorCode);
        await using var again = Client(uri, store);
        Assert.Equal("alice", again.ClientId);
    }
}
