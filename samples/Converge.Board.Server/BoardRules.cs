using System.Text.Json;
using Converge.Model.Documents;

namespace Converge.Board.Server;

/// <summary>
/// The board's server-side rules. The browser does not run them before applying, on purpose: a refused change is then
/// shown at once, rolled back when the server says no, and the reason reaches the board's <c>Rejected</c> handler.
/// </summary>
internal static class BoardRules
{
    /// <summary>The longest title the server accepts, in characters.</summary>
    public const int MaxTitleLength = 80;

    /// <summary>A card title is a string of at most <see cref="MaxTitleLength"/> characters.</summary>
    public static string? TitleLength(string documentId, JsonMap state, IReadOnlyList<DocumentOperation> operations)
    {
        foreach (var operation in operations)
        {
            if (operation is SetValue { Key: var key, Value: var value } && key.StartsWith("card/", StringComparison.Ordinal) && key.EndsWith("/title", StringComparison.Ordinal)
                && (value.ValueKind != JsonValueKind.String || value.GetString()!.Length > MaxTitleLength))
            {
                return $"A title may not be longer than {MaxTitleLength} characters.";
            }
        }

        return null;
    }

    /// <summary>Votes never go below zero.</summary>
    public static string? VotesNotNegative(string documentId, JsonMap state, IReadOnlyList<DocumentOperation> operations)
    {
        var after = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var operation in operations)
        {
            if (operation is IncrementValue { Key: var key, By: var by } && key.EndsWith("/votes", StringComparison.Ordinal))
            {
                after[key] = (after.TryGetValue(key, out var current) ? current : state.GetCounter(key)) + by;
                if (after[key] < 0)
                {
                    return "Votes may not go below 0.";
                }
            }
        }

        return null;
    }
}
