using System.Text;

namespace Converge.Board.Client.Board;

/// <summary>
/// One text edit in Unicode code points — delete <see cref="DeleteCount"/> at <see cref="Position"/>, then insert
/// <see cref="Insert"/> there — the shape of <c>ConvergeDocument.EditTextAsync</c>.
/// </summary>
/// <param name="Position">Where, in code points from the start.</param>
/// <param name="DeleteCount">How many code points to delete.</param>
/// <param name="Insert">What to insert.</param>
public sealed record TextEdit(int Position, int DeleteCount, string Insert)
{
    /// <summary>
    /// The single edit that turns <paramref name="before"/> into <paramref name="after"/>: what lies between their
    /// common prefix and common suffix. A keystroke, a paste or a cut in a textarea is exactly one such edit.
    /// </summary>
    /// <returns>The edit, or <see langword="null"/> when the texts are equal.</returns>
    public static TextEdit? Diff(string before, string after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var a = before.EnumerateRunes().ToArray();
        var b = after.EnumerateRunes().ToArray();
        var prefix = 0;
        while (prefix < a.Length && prefix < b.Length && a[prefix] == b[prefix])
        {
            prefix++;
        }

        var suffix = 0;
        while (suffix < a.Length - prefix && suffix < b.Length - prefix && a[^(suffix + 1)] == b[^(suffix + 1)])
        {
            suffix++;
        }

        if (prefix == a.Length && prefix == b.Length)
        {
            return null;
        }

        var insert = new StringBuilder();
        foreach (var rune in b.AsSpan(prefix, b.Length - prefix - suffix))
        {
            insert.Append(rune.ToString());
        }

        return new TextEdit(prefix, a.Length - prefix - suffix, insert.ToString());
    }

    /// <summary>Applies the edit to <paramref name="text"/> (positions clamped to it, as a concurrent edit may have shortened it).</summary>
    public string ApplyTo(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var runes = text.EnumerateRunes().ToList();
        var position = Math.Min(Position, runes.Count);
        var delete = Math.Min(DeleteCount, runes.Count - position);
        var result = new StringBuilder();
        foreach (var rune in runes.Take(position))
        {
            result.Append(rune.ToString());
        }

        result.Append(Insert);
        foreach (var rune in runes.Skip(position + delete))
        {
            result.Append(rune.ToString());
        }

        return result.ToString();
    }
}
