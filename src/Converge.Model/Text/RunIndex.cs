namespace Converge.Model.Text;

/// <summary>
/// One replica's items sorted by clock, for id → item lookups in O(log n): a two-level sorted list (chunks of at most
/// <see cref="ChunkSize"/> items), so that inserting the right half of a split item costs a short array move, not
/// a shift of the whole list. Clocks not covered by any item were dropped by compaction.
/// </summary>
internal sealed class RunIndex
{
    private const int ChunkSize = 128;

    private readonly List<Chunk> _chunks = [];

    /// <summary>The item holding <paramref name="clock"/>, or the first item after it, or <c>null</c>.</summary>
    public TextItem? FindAtOrAfter(int clock)
    {
        var (chunkIndex, index) = Locate(clock);
        if (chunkIndex < 0)
        {
            return _chunks.Count == 0 ? null : _chunks[0].Items[0];
        }

        var chunk = _chunks[chunkIndex];
        var item = chunk.Items[index];
        if (clock < item.End)
        {
            return item;
        }

        if (index + 1 < chunk.Count)
        {
            return chunk.Items[index + 1];
        }

        return chunkIndex + 1 < _chunks.Count ? _chunks[chunkIndex + 1].Items[0] : null;
    }

    /// <summary>The item holding <paramref name="clock"/>, or <c>null</c> when it was dropped.</summary>
    public TextItem? Find(int clock)
    {
        var item = FindAtOrAfter(clock);
        return item is not null && item.Clock <= clock ? item : null;
    }

    /// <summary>Adds an item whose clock is above every other.</summary>
    public void Append(TextItem item)
    {
        if (_chunks.Count == 0 || _chunks[^1].Count == ChunkSize)
        {
            _chunks.Add(new Chunk());
        }

        var last = _chunks[^1];
        last.Items[last.Count++] = item;
    }

    /// <summary>Adds <paramref name="item"/> right after <paramref name="previous"/> (its left half after a split).</summary>
    public void InsertAfter(TextItem previous, TextItem item)
    {
        var (chunkIndex, index) = Locate(previous.Clock);
        var chunk = _chunks[chunkIndex];
        if (chunk.Count == ChunkSize)
        {
            var half = new Chunk { Count = ChunkSize / 2 };
            Array.Copy(chunk.Items, ChunkSize / 2, half.Items, 0, ChunkSize / 2);
            Array.Clear(chunk.Items, ChunkSize / 2, ChunkSize / 2);
            chunk.Count = ChunkSize / 2;
            _chunks.Insert(chunkIndex + 1, half);
            if (index >= ChunkSize / 2)
            {
                chunk = half;
                index -= ChunkSize / 2;
            }
        }

        Array.Copy(chunk.Items, index + 1, chunk.Items, index + 2, chunk.Count - index - 1);
        chunk.Items[index + 1] = item;
        chunk.Count++;
    }

    /// <summary>Removes <paramref name="item"/> (merged into its left neighbour).</summary>
    public void Remove(TextItem item)
    {
        var (chunkIndex, index) = Locate(item.Clock);
        var chunk = _chunks[chunkIndex];
        Array.Copy(chunk.Items, index + 1, chunk.Items, index, chunk.Count - index - 1);
        chunk.Items[--chunk.Count] = null!;
        if (chunk.Count == 0)
        {
            _chunks.RemoveAt(chunkIndex);
        }
    }

    /// <summary>Drops every entry (before a rebuild).</summary>
    public void Clear() => _chunks.Clear();

    /// <summary>The chunk and slot of the last item whose clock is ≤ <paramref name="clock"/>; (-1, -1) when none.</summary>
    private (int Chunk, int Index) Locate(int clock)
    {
        int lo = 0, hi = _chunks.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_chunks[mid].Items[0].Clock <= clock)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        if (hi < 0)
        {
            return (-1, -1);
        }

        var chunk = _chunks[hi];
        int a = 0, b = chunk.Count - 1;
        while (a <= b)
        {
            var mid = (a + b) >>> 1;
            if (chunk.Items[mid].Clock <= clock)
            {
                a = mid + 1;
            }
            else
            {
                b = mid - 1;
            }
        }

        return (hi, b);
    }

    private sealed class Chunk
    {
        public readonly TextItem[] Items = new TextItem[ChunkSize];
        public int Count;
    }
}
