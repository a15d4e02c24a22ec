namespace Converge.Protocol.Frames;

/// <summary>
/// Splits a list bound for one frame into parts that each fit a frame budget, so that neither hours of offline
/// changes nor a large snapshot becomes one frame over the peer's limit.
/// </summary>
public static class FrameParts
{
    /// <summary>Consecutive parts of <paramref name="items"/>, each at most <paramref name="maxItems"/> items and about <paramref name="maxBytes"/> bytes.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="items">The items, in order.</param>
    /// <param name="size">An item's encoded size in bytes (an estimate is fine; the budget should leave room).</param>
    /// <param name="maxItems">The most items per part.</param>
    /// <param name="maxBytes">The byte budget per part. An item larger than the budget still goes, alone: the receiver's limit then names the problem.</param>
    /// <returns>The parts; none when <paramref name="items"/> is empty.</returns>
    public static IEnumerable<T[]> Split<T>(IReadOnlyList<T> items, Func<T, int> size, int maxItems, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(size);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxItems, 1);
        return SplitCore(items, size, maxItems, maxBytes);
    }

    private static IEnumerable<T[]> SplitCore<T>(IReadOnlyList<T> items, Func<T, int> size, int maxItems, int maxBytes)
    {
        var part = new List<T>();
        var bytes = 0;
        foreach (var item in items)
        {
            var itemBytes = size(item);
            if (part.Count > 0 && (part.Count == maxItems || bytes + itemBytes > maxBytes))
            {
                yield return [.. part];
                part.Clear();
                bytes = 0;
            }

            part.Add(item);
            bytes += itemBytes;
        }

        if (part.Count > 0)
        {
            yield return [.. part];
        }
    }
}
