namespace Converge.Model.Text;

/// <summary>
/// The document's items in order, twice over: a doubly linked list (<see cref="TextItem.Prev"/>/<see cref="TextItem.Next"/>)
/// for the integration scan, and a splay tree keyed implicitly by visible length for index ↔ item lookups in
/// amortized O(log n). A splay tree because editing is local: the item touched last is at the root, so typing and
/// deleting near the cursor costs O(1) amortized rather than a full descent.
/// </summary>
internal sealed class ItemTree
{
    private TextItem? _root;

    public TextItem? First { get; private set; }

    public TextItem? Last { get; private set; }

    public int Count { get; private set; }

    public int VisibleLength => _root?.Weight ?? 0;

    /// <summary>The visible item holding the code point at <paramref name="index"/> (0 ≤ index &lt; VisibleLength) and the offset in it.</summary>
    public (TextItem Item, int Offset) FindVisible(int index)
    {
        var x = _root!;
        while (true)
        {
            var leftWeight = Weight(x.Left);
            if (index < leftWeight)
            {
                x = x.Left!;
                continue;
            }

            index -= leftWeight;
            var visible = x.VisibleLength;
            if (index < visible)
            {
                break;
            }

            index -= visible;
            x = x.Right!;
        }

        Splay(x);
        return (x, index);
    }

    /// <summary>The number of visible code points before <paramref name="item"/>.</summary>
    public int IndexOf(TextItem item)
    {
        Splay(item);
        return Weight(item.Left);
    }

    /// <summary>Inserts <paramref name="item"/> right after <paramref name="previous"/> (<c>null</c>: first).</summary>
    public void InsertAfter(TextItem? previous, TextItem item)
    {
        var next = previous is null ? First : previous.Next;
        item.Prev = previous;
        item.Next = next;
        if (previous is null)
        {
            First = item;
        }
        else
        {
            previous.Next = item;
        }

        if (next is null)
        {
            Last = item;
        }
        else
        {
            next.Prev = item;
        }

        item.Parent = null;
        if (previous is null)
        {
            item.Left = null;
            item.Right = _root;
            if (_root is not null)
            {
                _root.Parent = item;
            }
        }
        else
        {
            Splay(previous);
            item.Left = previous;
            item.Right = previous.Right;
            if (item.Right is not null)
            {
                item.Right.Parent = item;
            }

            previous.Right = null;
            previous.Parent = item;
            Update(previous);
        }

        Update(item);
        _root = item;
        Count++;
    }

    /// <summary>Call after changing <paramref name="item"/>'s length or deleted flag, to fix the subtree weights.</summary>
    public void Changed(TextItem item)
    {
        Splay(item);
        Update(item);
    }

    /// <summary>Unlinks <paramref name="item"/> from the list and the tree.</summary>
    public void Remove(TextItem item)
    {
        if (item.Prev is null)
        {
            First = item.Next;
        }
        else
        {
            item.Prev.Next = item.Next;
        }

        if (item.Next is null)
        {
            Last = item.Prev;
        }
        else
        {
            item.Next.Prev = item.Prev;
        }

        Splay(item);
        var left = item.Left;
        var right = item.Right;
        item.Left = item.Right = item.Parent = item.Prev = item.Next = null;
        Count--;
        if (left is null)
        {
            _root = right;
            if (right is not null)
            {
                right.Parent = null;
            }

            return;
        }

        left.Parent = null;
        _root = left;
        var max = left;
        while (max.Right is not null)
        {
            max = max.Right;
        }

        Splay(max);
        max.Right = right;
        if (right is not null)
        {
            right.Parent = max;
        }

        Update(max);
    }

    /// <summary>Replaces the whole content with <paramref name="items"/> (in document order) as a balanced tree, in O(n).</summary>
    public void Build(IReadOnlyList<TextItem> items)
    {
        Count = items.Count;
        First = items.Count == 0 ? null : items[0];
        Last = items.Count == 0 ? null : items[^1];
        for (var i = 0; i < items.Count; i++)
        {
            items[i].Prev = i == 0 ? null : items[i - 1];
            items[i].Next = i == items.Count - 1 ? null : items[i + 1];
        }

        _root = BuildRange(items, 0, items.Count, null);
    }

    private static TextItem? BuildRange(IReadOnlyList<TextItem> items, int start, int end, TextItem? parent)
    {
        if (start >= end)
        {
            return null;
        }

        var middle = (start + end) >>> 1;
        var node = items[middle];
        node.Parent = parent;
        node.Left = BuildRange(items, start, middle, node);
        node.Right = BuildRange(items, middle + 1, end, node);
        Update(node);
        return node;
    }

    private static int Weight(TextItem? item) => item?.Weight ?? 0;

    private static void Update(TextItem item) => item.Weight = Weight(item.Left) + Weight(item.Right) + item.VisibleLength;

    private void Splay(TextItem x)
    {
        while (x.Parent is { } parent)
        {
            var grandparent = parent.Parent;
            if (grandparent is not null)
            {
                Rotate((grandparent.Left == parent) == (parent.Left == x) ? parent : x);
            }

            Rotate(x);
        }

        _root = x;
    }

    private static void Rotate(TextItem x)
    {
        var parent = x.Parent!;
        var grandparent = parent.Parent;
        if (parent.Left == x)
        {
            parent.Left = x.Right;
            if (x.Right is not null)
            {
                x.Right.Parent = parent;
            }

            x.Right = parent;
        }
        else
        {
            parent.Right = x.Left;
            if (x.Left is not null)
            {
                x.Left.Parent = parent;
            }

            x.Left = parent;
        }

        parent.Parent = x;
        x.Parent = grandparent;
        if (grandparent is not null)
        {
            if (grandparent.Left == parent)
            {
                grandparent.Left = x;
            }
            else
            {
                grandparent.Right = x;
            }
        }

        Update(parent);
        Update(x);
    }
}
