using System.Text.Json;
using Converge.Board.Client.Board;
using Converge.Model.Documents;
using Converge.Model.Ot;

namespace Converge.Board.Tests.Board;

/// <summary>How a textarea's change becomes an OT edit of the card's description (<see cref="BoardEditor"/>).</summary>
public sealed class DescriptionEditTests
{
    private const string Key = "card/1/description";

    private static JsonMap Text(string text) =>
        text.Length == 0 ? JsonMap.Empty : JsonMap.Empty.Apply([new EditText(Key, TextDelta.ForEdit(0, 0, 0, text), 0)]);

    // As the document applies them: a text edit gets the text's current revision (its placeholder is 0).
    private static JsonMap Applied(JsonMap state, IReadOnlyList<DocumentOperation> operations) =>
        state.Apply([.. operations.Select(o => o is EditText edit ? edit with { Revision = state.GetTextRevision(edit.Key) } : o)]);

    private static string Apply(JsonMap state, string shown, string typed) =>
        Applied(state, BoardEditor.DescriptionEdit(state, Key, shown, TextEdit.Diff(shown, typed)!)).GetText(Key);

    [Theory]
    [InlineData("Hello world", "Hello brave world")]
    [InlineData("Hello world", "Hello")]
    [InlineData("Hello world", "Hi world")]
    [InlineData("", "First words")]
    [InlineData("Emoji 😀 here", "Emoji 😀😀 here")]
    public void A_change_on_the_current_text__is_the_one_edit_between_before_and_after(string before, string after)
    {
        var state = Text(before);
        var operations = BoardEditor.DescriptionEdit(state, Key, before, TextEdit.Diff(before, after)!);

        var edit = Assert.IsType<EditText>(Assert.Single(operations));
        Assert.Equal(after, Applied(state, operations).GetText(Key));
        // Only what changed travels: the edit retains the common prefix and suffix instead of rewriting the text.
        Assert.Equal(TextEdit.Diff(before, after)!.Insert.Length, edit.Delta.Components.Where(static c => c.Kind == TextDeltaComponentKind.Insert).Sum(static c => c.Text!.Length));
    }

    [Fact]
    public void Typing_into_a_textarea_that_does_not_show_a_remote_edit_yet__keeps_both_edits()
    {
        // The textarea showed "Hello world"; a remote edit appended "!" before it was rendered; the user typed " brave".
        var state = Text("Hello world!");

        Assert.Equal("Hello brave world!", Apply(state, "Hello world", "Hello brave world"));
    }

    [Fact]
    public void Deleting_text_a_remote_edit_already_deleted__changes_nothing()
    {
        var state = Text("Hello");

        Assert.Empty(BoardEditor.DescriptionEdit(state, Key, "Hello world", TextEdit.Diff("Hello world", "Hello")!));
    }

    [Fact]
    public void A_description_stored_as_a_plain_string_by_an_older_board__becomes_text_with_the_edit_applied()
    {
        var state = JsonMap.Empty.Apply([new SetValue(Key, JsonSerializer.SerializeToElement("Old text"))]);

        var after = Applied(state, BoardEditor.DescriptionEdit(state, Key, "Old text", TextEdit.Diff("Old text", "Old text, edited")!));

        Assert.Equal("Old text, edited", after.GetText(Key));
        Assert.Equal(1, after.GetTextRevision(Key));
    }
}
