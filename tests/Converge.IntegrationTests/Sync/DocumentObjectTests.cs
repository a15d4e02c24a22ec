using System.Text.Json;
using Converge.Client;
using Converge.Client.Documents;
using Converge.IntegrationTests.Infrastructure;

namespace Converge.IntegrationTests.Sync;

/// <summary>The typed object layer over real Kestrel: fields with their own merge rules, ordered children by fractional index.</summary>
public sealed class DocumentObjectTests
{
    [Fact]
    public async Task Objects_with_lww_counter_set_and_text_fields_and_ordered_children__look_the_same_on_every_client()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"));
        await using var alice = TestClients.Create(server.SyncUri);
        await using var bob = TestClients.Create(server.SyncUri, transports: Converge.Client.Transports.TransportKind.LongPolling);
        await Task.WhenAll(alice.StartAsync(), bob.StartAsync());
        var a = await alice.OpenDocumentAsync("board");
        var b = await bob.OpenDocumentAsync("board");

        var receipts = new List<ChangeReceipt>();
        foreach (var (card, index) in new[] { ("c1", 0), ("c2", 1), ("c3", 1) })
        {
            receipts.Add(await a.MoveAsync(card, "todo", index));
            receipts.Add(await a.GetObject(card).SetAsync("title", JsonSerializer.SerializeToElement("Card " + card)));
        }

        Assert.Equal(["c1", "c3", "c2"], a.GetChildren("todo").Select(static c => c.Id));
        var c1 = a.GetObject("c1");
        receipts.Add(await c1.IncrementAsync("votes", 2));
        receipts.Add(await c1.AddToSetAsync("tags", "bug"));
        receipts.Add(await c1.EditTextAsync("description", 0, 0, "Fix the login"));
        await AllSettledAsync(receipts, a, b);

        // Concurrently: both vote, alice retitles, bob edits the description and moves c2 to the top of "doing".
        var bc1 = b.GetObject("c1");
        receipts =
        [
            await c1.IncrementAsync("votes"), await bc1.IncrementAsync("votes"),
            await c1.SetAsync("title", JsonSerializer.SerializeToElement("Login broken")),
            await bc1.EditTextAsync("description", 13, 0, " page"), await c1.EditTextAsync("description", 0, 3, "Repair"),
            await b.MoveAsync("c2", "doing", 0), await a.MoveAsync("c3", "todo", 0),
        ];
        await AllSettledAsync(receipts, a, b);

        foreach (var document in new[] { a, b })
        {
            var card = document.GetObject("c1");
            Assert.Equal(4, card.GetCounter("votes"));
            Assert.Equal(["bug"], card.GetSet("tags"));
            Assert.Equal("Login broken", card.Get("title")?.GetString());
            Assert.Equal("Repair the login page", card.GetText("description"));
            Assert.Equal(["c3", "c1"], document.GetChildren("todo").Select(static c => c.Id));
            Assert.Equal(["c2"], document.GetChildren("doing").Select(static c => c.Id));
            Assert.Equal("doing", document.GetObject("c2").ParentId);
        }

        await AllSettledAsync([await a.GetObject("c3").DeleteAsync()], a, b);
        Assert.False(b.GetObject("c3").Exists);
        Assert.Equal(["c1"], b.GetChildren("todo").Select(static c => c.Id));
    }

    [Fact]
    public async Task Concurrent_moves_of_different_cards_to_the_same_place__keep_both_in_one_order_everywhere()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"));
        await using var alice = TestClients.Create(server.SyncUri);
        await using var bob = TestClients.Create(server.SyncUri);
        await Task.WhenAll(alice.StartAsync(), bob.StartAsync());
        var a = await alice.OpenDocumentAsync("board");
        var b = await bob.OpenDocumentAsync("board");
        await AllSettledAsync([await a.MoveAsync("x", "list", 0), await a.MoveAsync("y", "list", 1)], a, b);

        await bob.PauseAsync();
        var fromAlice = await a.MoveAsync("p", "list", 1);
        var fromBob = await b.MoveAsync("q", "list", 1);
        await bob.ResumeAsync();
        await AllSettledAsync([fromAlice, fromBob], a, b);

        var order = a.GetChildren("list").Select(static c => c.Id).ToArray();
        Assert.Equal(order, b.GetChildren("list").Select(static c => c.Id));
        Assert.Equal(4, order.Length);
        Assert.Equal(["x", "y"], order.Where(static id => id is "x" or "y"));
        Assert.Throws<ArgumentException>(() => a.GetObject("bad/id"));
    }

    private static async Task AllSettledAsync(IReadOnlyList<ChangeReceipt> receipts, params ConvergeDocument[] documents)
    {
        var head = (await Task.WhenAll(receipts.Select(static r => r.Acknowledged)).WaitAsync(TimeSpan.FromSeconds(30))).Max();
        foreach (var document in documents)
        {
            await document.UntilSequenceAsync(head);
        }
    }
}
