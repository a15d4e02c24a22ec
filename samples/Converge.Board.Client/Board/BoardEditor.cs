using System.Text.Json;
using Converge.Client;
using Converge.Client.Documents;
using Converge.Model.Documents;
using Converge.Model.Ot;
using Converge.Model.Ordering;

namespace Converge.Board.Client.Board;

/// <summary>Every edit the board makes, as document operations on the key scheme of <see cref="CardKeys"/>.</summary>
/// <param name="document">The board's document.</param>
public sealed class BoardEditor(ConvergeDocument document)
{
    /// <summary>Adds a card at the end of a column; one change, so no one ever sees half a card.</summary>
    /// <returns>The new card's id.</returns>
    public async Task<string> AddCardAsync(string column, string title)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var last = BoardView.From(document.State)[column] is { Count: > 0 } cards ? cards[^1].Position : null;
        await document.ApplyAsync(
        [
            new SetValue(CardKeys.Title(id), JsonSerializer.SerializeToElement(title)),
            new SetValue(CardKeys.Order(id), Place(column, FractionalIndex.BetweenUnique(last, null, Random.Shared))),
        ]);
        return id;
    }

    /// <summary>Deletes a card: every one of its keys removed in one change.</summary>
    public async Task DeleteCardAsync(string id) =>
        await document.ApplyAsync(CardKeys.All(id).Select(static k => (DocumentOperation)new RemoveValue(k)).ToArray());

    /// <summary>Sets the title (last writer wins).</summary>
    public async Task SetTitleAsync(string id, string title) =>
        await document.SetAsync(CardKeys.Title(id), JsonSerializer.SerializeToElement(title));

    /// <summary>Adds or takes back a vote (a counter: concurrent votes all count).</summary>
    public async Task VoteAsync(string id, int by) => await document.IncrementAsync(CardKeys.Votes(id), by);

    /// <summary>Adds a tag (add-wins set).</summary>
    public async Task AddTagAsync(string id, string tag) => await document.AddToSetAsync(CardKeys.Tags(id), tag);

    /// <summary>Removes a tag as this tab sees it (a concurrent add elsewhere survives).</summary>
    public async Task RemoveTagAsync(string id, string tag) => await document.RemoveFromSetAsync(CardKeys.Tags(id), tag);

    /// <summary>
    /// Applies a textarea's change to the description as collaborative text (OT): the one edit between what the
    /// textarea showed (<paramref name="shown"/>) and what it holds now (<paramref name="typed"/>), so concurrent typing
    /// elsewhere in the same description merges instead of being overwritten.
    /// </summary>
    public async Task EditDescriptionAsync(string id, string shown, string typed)
    {
        if (TextEdit.Diff(shown, typed) is not { } edit)
        {
            return;
        }

        var key = CardKeys.Description(id);
        var nothingLeft = false;
        try
        {
            // Built under the document's lock: the text the edit lands on cannot change between reading and applying it.
            await document.ApplyAsync(state =>
            {
                var operations = DescriptionEdit(state, key, shown, edit);
                nothingLeft = operations.Count == 0;
                return operations;
            });
        }
        catch (ChangeRejectedException) when (nothingLeft)
        {
            // The edit only deleted text that a remote edit had deleted already: nothing to do.
        }
    }

    /// <summary>
    /// The operations for <paramref name="edit"/>, made on the text <paramref name="shown"/>, on the description at
    /// <paramref name="key"/> as it is in <paramref name="state"/>: remote edits that arrived after the textarea was last
    /// shown are in the state but not in the textarea, so the edit is moved over them first (they keep their place).
    /// </summary>
    internal static IReadOnlyList<DocumentOperation> DescriptionEdit(JsonMap state, string key, string shown, TextEdit edit)
    {
        if (state.TryGetValue(key, out var value) && value.ValueKind == JsonValueKind.String)
        {
            // Written before descriptions were collaborative text (a JSON string, last writer wins): the first edit
            // turns it into text holding the edited string.
            var text = edit.ApplyTo(value.GetString()!);
            return text.Length == 0 ? [new RemoveValue(key)] : [new EditText(key, TextDelta.ForEdit(0, 0, 0, text), 0)];
        }

        var delta = TextDelta.ForEdit(shown.EnumerateRunes().Count(), edit.Position, edit.DeleteCount, edit.Insert);
        var current = state.GetText(key);
        if (!string.Equals(shown, current, StringComparison.Ordinal))
        {
            // A diff is one path from what was shown to the current text, not necessarily the remote edits' own, but it
            // places the edit where the user meant it relative to the text around it.
            (delta, _) = TextDelta.Transform(delta, TextDelta.Between(shown, current), TieBreak.RightFirst);
        }

        // Revision 0 is a placeholder: the document gives the edit its revision when it applies it (as EditTextAsync does).
        return delta.IsIdentity ? [] : [new EditText(key, delta, 0)];
    }

    /// <summary>
    /// Moves a card into <paramref name="column"/>, before the card <paramref name="beforeId"/> (or to the end when
    /// <see langword="null"/>): one new fractional index between its new neighbours, nothing else rewritten. The random
    /// suffix keeps two concurrent moves into the same gap apart.
    /// </summary>
    public async Task MoveCardAsync(string id, string column, string? beforeId)
    {
        var others = BoardView.From(document.State)[column].Where(c => c.Id != id).ToList();
        var index = beforeId is null ? others.Count : others.FindIndex(c => c.Id == beforeId);
        if (index < 0)
        {
            index = others.Count;
        }

        var low = index > 0 ? others[index - 1].Position : null;
        var high = index < others.Count ? others[index].Position : null;
        string position;
        try
        {
            position = FractionalIndex.BetweenUnique(low, high, Random.Shared);
        }
        catch (ArgumentException)
        {
            // Two cards on one position (written concurrently by two tabs): put it after the lower one instead.
            position = FractionalIndex.BetweenUnique(low, null, Random.Shared);
        }

        await document.SetAsync(CardKeys.Order(id), Place(column, position));
    }

    private static JsonElement Place(string column, string position) =>
        JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["column"] = column, ["position"] = position });
}
