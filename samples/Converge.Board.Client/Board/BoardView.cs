using System.Text.Json;
using Converge.Model.Documents;

namespace Converge.Board.Client.Board;

/// <summary>The board's cards, by column and in order, read from one document state.</summary>
public sealed class BoardView
{
    private readonly Dictionary<string, IReadOnlyList<Card>> _columns;

    private BoardView(Dictionary<string, IReadOnlyList<Card>> columns) => _columns = columns;

    /// <summary>The cards of a column, in order (position, then id for the rare equal positions).</summary>
    public IReadOnlyList<Card> this[string column] => _columns.TryGetValue(column, out var cards) ? cards : [];

    /// <summary>Reads the board from a document state. A card exists while it has a valid <c>order</c> key.</summary>
    public static BoardView From(JsonMap state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var cards = new List<Card>();
        foreach (var (key, value) in state)
        {
            if (CardKeys.Parse(key) is not (var id, "order") || value.ValueKind != JsonValueKind.Object
                || !value.TryGetProperty("column", out var column) || column.ValueKind != JsonValueKind.String
                || !value.TryGetProperty("position", out var position) || position.ValueKind != JsonValueKind.String)
            {
                continue;
            }

            var columnName = column.GetString()!;
            cards.Add(new Card(
                id,
                Text(state, CardKeys.Title(id)),
                Description(state, CardKeys.Description(id)),
                state.GetCounter(CardKeys.Votes(id)),
                state.GetSet(CardKeys.Tags(id)).Order(StringComparer.Ordinal).ToArray(),
                CardKeys.Columns.Contains(columnName) ? columnName : CardKeys.Columns[0],
                position.GetString()!));
        }

        return new BoardView(cards
            .GroupBy(static c => c.Column)
            .ToDictionary(
                static g => g.Key,
                static g => (IReadOnlyList<Card>)g.OrderBy(static c => c.Position, StringComparer.Ordinal).ThenBy(static c => c.Id, StringComparer.Ordinal).ToArray()));
    }

    /// <summary>The card with this id, or <see langword="null"/>.</summary>
    public Card? Find(string id) => _columns.Values.SelectMany(static c => c).FirstOrDefault(c => c.Id == id);

    /// <summary>A card's description: collaborative text, or the JSON string a board written before that holds.</summary>
    internal static string Description(JsonMap state, string key) =>
        state.TryGetValue(key, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : state.GetText(key);

    private static string Text(JsonMap state, string key) =>
        state.TryGetValue(key, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : string.Empty;
}
