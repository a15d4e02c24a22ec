namespace Converge.Board.Client.Board;

/// <summary>
/// The board's key scheme in one flat document: every card property is its own key, so concurrent edits of different
/// properties never conflict and each property gets the merge rule it needs (docs/board.md).
/// </summary>
public static class CardKeys
{
    /// <summary>The prefix of every card key.</summary>
    public const string Prefix = "card/";

    /// <summary>The columns, left to right.</summary>
    public static readonly IReadOnlyList<string> Columns = ["todo", "doing", "done"];

    /// <summary>The title: a JSON string, last writer wins.</summary>
    public static string Title(string id) => $"{Prefix}{id}/title";

    /// <summary>The description: collaborative text.</summary>
    public static string Description(string id) => $"{Prefix}{id}/description";

    /// <summary>The votes: a counter (concurrent votes all count).</summary>
    public static string Votes(string id) => $"{Prefix}{id}/votes";

    /// <summary>The tags: an add-wins set.</summary>
    public static string Tags(string id) => $"{Prefix}{id}/tags";

    /// <summary>The place: <c>{"column":"todo","position":"&lt;fractional index&gt;"}</c>, last writer wins. A card exists while it has one.</summary>
    public static string Order(string id) => $"{Prefix}{id}/order";

    /// <summary>Every key of a card, for deleting it in one change.</summary>
    public static IReadOnlyList<string> All(string id) => [Title(id), Description(id), Votes(id), Tags(id), Order(id)];

    /// <summary>The card id and property of a card key, or <see langword="null"/> for another key.</summary>
    public static (string Id, string Property)? Parse(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!key.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var slash = key.IndexOf('/', Prefix.Length);
        return slash < 0 ? null : (key[Prefix.Length..slash], key[(slash + 1)..]);
    }
}
