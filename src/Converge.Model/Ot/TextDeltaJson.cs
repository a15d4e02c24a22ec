namespace Converge.Model.Ot;

/// <summary>
/// The compact JSON-friendly form of a delta used on the wire (as in ot.js): a list whose items are a positive integer
/// (retain that many code points), a string (insert it) or a negative integer (delete that many).
/// </summary>
public static class TextDeltaJson
{
    /// <summary>The items of <paramref name="delta"/>: <see cref="long"/> for retain (positive) and delete (negative), <see cref="string"/> for insert.</summary>
    /// <param name="delta">The delta.</param>
    /// <returns>The items, in order.</returns>
    public static IEnumerable<object> ToItems(TextDelta delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        return delta.Components.Select(static c => c.Kind switch
        {
            TextDeltaComponentKind.Retain => (object)(long)c.Length,
            TextDeltaComponentKind.Delete => -(long)c.Length,
            _ => c.Text!,
        });
    }

    /// <summary>Builds a delta from items as <see cref="ToItems"/> makes them.</summary>
    /// <param name="items">Longs and strings.</param>
    /// <returns>The delta.</returns>
    /// <exception cref="ArgumentException">An item is zero, empty, out of range or of another type, or the items are not in canonical order.</exception>
    public static TextDelta FromItems(IEnumerable<object> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var builder = new TextDeltaBuilder();
        var count = 0;
        foreach (var item in items)
        {
            count++;
            switch (item)
            {
                case long and (0 or > int.MaxValue or < -int.MaxValue):
                    throw new ArgumentException($"A delta item is {item}: lengths are 1 to {int.MaxValue}.", nameof(items));
                case long n when n > 0:
                    builder.Retain((int)n);
                    break;
                case long n:
                    builder.Delete((int)-n);
                    break;
                case string { Length: > 0 } text:
                    builder.Insert(text);
                    break;
                default:
                    throw new ArgumentException("A delta item must be a non-zero integer or a non-empty string.", nameof(items));
            }
        }

        var delta = builder.Build();
        return delta.Components.Count == count
            ? delta
            : throw new ArgumentException("A delta's items must be canonical: no two neighbours of one kind, an insert before a delete.", nameof(items));
    }
}
