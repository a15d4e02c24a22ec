using System.Text;
using System.Text.Json;
using Converge.Board.Client.Storage;
using Converge.Client.Storage;
using Converge.Model.Documents;
using Converge.Model.Ot;
using Converge.Protocol.Codecs;

namespace Converge.Board.Tests.Storage;

/// <summary>The board's <see cref="IClientStore"/> over <c>localStorage</c>: held text edits (ot-text's store contract).</summary>
public sealed class BrowserClientStoreTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private readonly MemoryLocalStorage _storage = new();

    private static EditText Edit(string insert, long revision, long? after = null) =>
        new("card/1/description", TextDelta.ForEdit(0, 0, 0, insert), revision, after);

    [Fact]
    public void A_held_text_edit_is_restored_held_and_once_replaced_is_restored_sendable_in_its_released_form()
    {
        var store = BrowserClientStore.Open(_storage, null);
        store.AppendChange("board", new StoredChange(1, [Edit("a", 0)]));
        store.AppendChange("board", new StoredChange(2, [Edit("b", 0, after: 1)], Held: true));

        var restored = BrowserClientStore.Open(_storage, null).Load("board", Now).Outbox;
        Assert.Equal([false, true], restored.Select(static c => c.Held));
        Assert.Equal([Edit("b", 0, after: 1)], restored[1].Operations);

        store.ReplaceChange("board", new StoredChange(2, [Edit("b", 3)]));

        var released = Assert.Single(BrowserClientStore.Open(_storage, null).Load("board", Now).Outbox, static c => c.ClientSeq == 2);
        Assert.False(released.Held);
        Assert.Equal([Edit("b", 3)], released.Operations);
    }

    [Fact]
    public void An_outbox_item_written_before_held_edits_existed__loads_as_a_sendable_change()
    {
        var operations = new DocumentOperation[] { new SetValue("card/1/title", JsonSerializer.SerializeToElement("old")) };
        // The layout the board wrote before: the operations' JSON alone, no marker.
        _storage.Items[MemoryLocalStorage.Slot + "client"] = "client-1";
        _storage.Items[MemoryLocalStorage.Slot + "doc/board/next"] = "8";
        _storage.Items[MemoryLocalStorage.Slot + "doc/board/out/0000000000000000007"] = Encoding.UTF8.GetString(OperationJson.Serialize(operations));

        var stored = BrowserClientStore.Open(_storage, null).Load("board", Now);

        var change = Assert.Single(stored.Outbox);
        Assert.Equal(7, change.ClientSeq);
        Assert.False(change.Held);
        Assert.Equal(operations, change.Operations);
        Assert.Equal(8, stored.NextClientSeq);
    }

    [Fact]
    public void Replacing_a_change_that_left_the_outbox_meanwhile__does_not_bring_it_back()
    {
        var store = BrowserClientStore.Open(_storage, null);
        store.AppendChange("board", new StoredChange(1, [Edit("a", 0)], Held: true));
        store.RemoveChanges("board", [1]);

        store.ReplaceChange("board", new StoredChange(1, [Edit("a", 2)]));

        Assert.Empty(store.Load("board", Now).Outbox);
    }
}
