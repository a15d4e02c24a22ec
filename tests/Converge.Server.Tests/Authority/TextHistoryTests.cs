using Converge.Model.Documents;
using Converge.Model.Ot;
using Converge.Protocol.Frames;
using Converge.Server.Authority;

namespace Converge.Server.Tests.Authority;

/// <summary>The server's OT text history: what it keeps of each author's edits, and for how long.</summary>
public sealed class TextHistoryTests
{
    private const string Key = "notes";

    [Fact]
    public void An_author_who_stopped_editing__loses_its_bridges_once_the_kept_history_has_moved_past_them()
    {
        var history = new TextHistory(maxPerKey: 4);
        var state = JsonMap.Empty;
        state = Edit(history, state, "left", 1);
        state = Edit(history, state, "stays", 1);
        Assert.Equal(2, history.AuthorsWithBridges);

        // Within the kept history both authors can still chain on their last edit.
        for (var seq = 2; seq <= 3; seq++)
        {
            state = Edit(history, state, "stays", seq);
        }

        Assert.Equal(2, history.AuthorsWithBridges);

        // Two turns of the history later, only the author still editing has bridges.
        for (var seq = 4; seq <= 10; seq++)
        {
            state = Edit(history, state, "stays", seq);
        }

        Assert.Equal(1, history.AuthorsWithBridges);
        Assert.Equal("ab" + new string('b', 9), state.GetText(Key));
    }

    [Fact]
    public void An_edit_chained_on_one_the_history_no_longer_reaches__is_refused_as_stale_with_a_reason()
    {
        var history = new TextHistory(maxPerKey: 4);
        var state = Edit(history, JsonMap.Empty, "left", 1);
        var leftRevision = state.GetTextRevision(Key);
        for (var seq = 1; seq <= 8; seq++)
        {
            state = Edit(history, state, "other", seq);
        }

        // "left" comes back with an edit made on top of its first one, against the revision it had then.
        var text = "a";
        var chained = new ClientChange("left", 2, [new EditText(Key, TextDelta.ForEdit(text.Length, text.Length, 0, "z"), leftRevision, After: 1)]);
        Assert.Null(history.Rebase(chained, state, out var problem));
        Assert.Contains("reload the text", problem, StringComparison.Ordinal);
    }

    // Appends one character of the author's (a for the first author, b for the others) at the end, against the head.
    private static JsonMap Edit(TextHistory history, JsonMap state, string author, long clientSeq)
    {
        var text = state.GetText(Key);
        var letter = author == "left" ? "a" : "b";
        var change = new ClientChange(author, clientSeq, [new EditText(Key, TextDelta.ForEdit(text.Length, text.Length, 0, letter), state.GetTextRevision(Key))]);
        var rebased = history.Rebase(change, state, out var problem);
        Assert.True(rebased is not null, problem);
        return rebased.Value.State;
    }
}
