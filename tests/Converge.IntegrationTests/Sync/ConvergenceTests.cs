using System.Text.Json;
using Converge.Client;
using Converge.IntegrationTests.Infrastructure;

namespace Converge.IntegrationTests.Sync;

public sealed class ConvergenceTests
{
    private static JsonElement Json(object value) => JsonSerializer.SerializeToElement(value);

    private static ConvergeClient Client(TestServer server, string? clientId = null) =>
        new(new ConvergeClientOptions { ServerUri = server.SyncUri, ClientId = clientId });

    [Fact]
    public async Task Two_clients_pushing_concurrently__converge_and_a_late_subscriber_receives_the_same_state()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"));
        await using var alice = Client(server, "alice");
        await using var bob = Client(server, "bob");
        await Task.WhenAll(alice.StartAsync(), bob.StartAsync());
        var a = await alice.OpenDocumentAsync("board");
        var b = await bob.OpenDocumentAsync("board");

        // Overlapping keys so that last-writer-wins by server order actually decides something.
        var pushes = new List<Task<long>>();
        for (var i = 0; i < 60; i++)
        {
            pushes.Add((await a.SetAsync($"k{i % 7}", Json(new { by = "alice", i }))).Acknowledged);
            pushes.Add((await b.SetAsync($"k{i % 5}", Json(new { by = "bob", i }))).Acknowledged);
        }

        var sequences = await Task.WhenAll(pushes);
        Assert.Equal(Enumerable.Range(1, 120).Select(i => (long)i), sequences.Order());

        await a.UntilSequenceAsync(120);
        await b.UntilSequenceAsync(120);
        Assert.True(a.State.ContentEquals(b.State), "alice and bob differ");
        Assert.True(a.State.ContentEquals(a.ConfirmedState), "alice's view is not her confirmed state");
        Assert.Equal(7, a.State.Count);

        await using var carol = Client(server, "carol");
        await carol.StartAsync();
        var c = await carol.OpenDocumentAsync("board");
        Assert.Equal(120, c.Sequence);
        Assert.True(c.State.ContentEquals(a.State), "the late subscriber differs");
    }

    [Fact]
    public async Task A_local_change__is_visible_at_once_and_folded_into_confirmed_state_on_ack()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"));
        await using var client = Client(server);
        await client.StartAsync();
        var document = await client.OpenDocumentAsync("doc");

        var receipt = await document.SetAsync("title", Json("hello"));
        Assert.Equal("hello", document.State["title"].GetString());
        var sequence = await receipt.Acknowledged;

        Assert.Equal(1, sequence);
        await document.UntilSequenceAsync(1);
        Assert.Equal("hello", document.ConfirmedState["title"].GetString());
        Assert.Equal(0, document.PendingCount);
    }

    [Fact]
    public async Task Changes_made_while_disconnected__are_sent_on_reconnect_and_resume_from_the_cursor()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"));
        await using var writer = Client(server, "writer");
        await using var reader = Client(server, "reader");
        await Task.WhenAll(writer.StartAsync(), reader.StartAsync());
        var w = await writer.OpenDocumentAsync("doc");
        var r = await reader.OpenDocumentAsync("doc");
        await (await w.SetAsync("a", Json(1))).Acknowledged;
        await r.UntilSequenceAsync(1);

        await reader.StopAsync();
        await (await w.SetAsync("b", Json(2))).Acknowledged;
        var offline = await r.SetAsync("c", Json(3));
        Assert.Equal(ConnectionState.Disconnected, reader.State);
        Assert.Equal(2, r.State.Count); // its own offline change shows at once; the writer's "b" arrives on resume

        await reader.StartAsync();
        Assert.Equal(3, await offline.Acknowledged);
        await r.UntilSequenceAsync(3);
        await w.UntilSequenceAsync(3);
        Assert.True(r.State.ContentEquals(w.State));
    }

    [Fact]
    public async Task Server_restart__keeps_acknowledged_changes_and_continues_the_sequence_without_a_gap()
    {
        using var temp = new TempDirectory();
        var database = temp.File("converge.db");
        await using (var first = await TestServer.StartAsync(database))
        await using (var client = Client(first))
        {
            await client.StartAsync();
            var document = await client.OpenDocumentAsync("doc");
            for (var i = 1; i <= 10; i++)
            {
                Assert.Equal(i, await (await document.SetAsync($"k{i}", Json(i))).Acknowledged);
            }
        }

        await using var second = await TestServer.StartAsync(database);
        await using var again = Client(second);
        await again.StartAsync();
        var reloaded = await again.OpenDocumentAsync("doc");
        Assert.Equal(10, reloaded.Sequence);
        Assert.Equal(10, reloaded.State.Count);
        Assert.Equal(7, reloaded.State["k7"].GetInt32());

        Assert.Equal(11, await (await reloaded.SetAsync("k11", Json(11))).Acknowledged);

        // A replay from an old cursor shows the whole log is contiguous across the restart.
        await using var replayer = Client(second);
        await replayer.StartAsync();
        var replayed = await replayer.OpenDocumentAsync("doc");
        Assert.Equal(11, replayed.Sequence);
        Assert.True(replayed.State.ContentEquals(reloaded.State));
    }
}

public sealed class SessionLifetimeTests
{
    [Fact]
    public async Task Clients_that_connect_and_leave_quickly__leave_no_sessions_on_the_server()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"));
        var rounds = Enumerable.Range(0, 20).Select(async i =>
        {
            await using var client = new ConvergeClient(new ConvergeClientOptions { ServerUri = server.SyncUri });
            for (var round = 0; round < 3; round++)
            {
                await client.StartAsync();
                await client.OpenDocumentAsync($"doc-{i % 4}");
                await client.StopAsync();
            }
        });

        await Task.WhenAll(rounds);
        await server.UntilActiveSessionsAsync(0);
    }
}
