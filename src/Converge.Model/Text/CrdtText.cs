using System.Text;
using Converge.Model.Clocks;

namespace Converge.Model.Text;

/// <summary>
/// A collaborative plain-text sequence CRDT (YATA, integrated as in Yjs). Each replica edits by index with
/// <see cref="Insert"/> and <see cref="Delete"/>, sends the returned operations, and applies others' with
/// <see cref="Integrate"/>: idempotent, and in any order (operations whose dependencies are missing wait in a buffer).
/// Replicas that integrated the same operations have the same text. Concurrent runs typed at the same spot are never
/// interleaved. Indices and lengths count Unicode code points (not UTF-16 units). See docs/text-crdt.md.
/// Not thread-safe: one owner (the document's reader loop) calls it.
/// </summary>
public sealed partial class CrdtText
{
    /// <summary>The most code points one replica may insert over the document's life (bounds decoding).</summary>
    public const int MaxClock = 1 << 30;

    private readonly Dictionary<string, ReplicaState> _byName = new(StringComparer.Ordinal);
    private readonly List<ReplicaState> _replicas = [];
    private readonly ItemTree _tree = new();
    private readonly PendingOperations _pending = new();
    private readonly ReplicaState _self;

    /// <summary>Creates an empty document edited by <paramref name="replica"/>.</summary>
    /// <param name="replica">This replica's id, unique among all replicas that will ever edit the document.</param>
    public CrdtText(string replica)
    {
        ArgumentException.ThrowIfNullOrEmpty(replica);
        _self = GetOrAddReplica(replica);
    }

    /// <summary>This replica's id.</summary>
    public string Replica => _self.Name;

    /// <summary>The number of code points in the text.</summary>
    public int Length => _tree.VisibleLength;

    /// <summary>How many received operations wait for a dependency.</summary>
    public int PendingCount => _pending.Count;

    /// <summary>How many items (runs, tombstones included) the document holds; for tests and benchmarks.</summary>
    internal int ItemCount => _tree.Count;

    /// <summary>For each replica, how many of its operations are integrated.</summary>
    public VersionVector Version
    {
        get
        {
            var version = VersionVector.Empty;
            foreach (var replica in _replicas)
            {
                if (replica.Sequence > 0)
                {
                    version = version.With(replica.Name, replica.Sequence);
                }
            }

            return version;
        }
    }

    /// <summary>Inserts <paramref name="text"/> so that it starts at code point <paramref name="index"/>.</summary>
    /// <param name="index">Where, in code points, 0 ≤ index ≤ <see cref="Length"/>.</param>
    /// <param name="text">What; an empty string changes nothing.</param>
    /// <returns>The operation to send to the other replicas, or <c>null</c> when <paramref name="text"/> is empty.</returns>
    public TextInsertion? Insert(int index, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, Length);
        if (text.Length == 0)
        {
            return null;
        }

        var clock = _self.NextClock;
        var length = CountCodePoints(text);
        if ((long)clock + length > MaxClock)
        {
            throw new InvalidOperationException($"Replica {Replica} would exceed {MaxClock} inserted code points.");
        }

        // The new text goes right after the visible code point before it, so its origin is always visible; its right
        // origin is whatever follows there, tombstones included. (A visible right origin would put old tombstones in
        // the integration scan, which YATA's ordering does not allow for: replicas then diverge.)
        TextItem? left = null;
        if (index > 0)
        {
            var (item, offset) = _tree.FindVisible(index - 1);
            if (offset < item.Length - 1)
            {
                Split(item, offset + 1);
            }

            left = item;
        }

        var right = left is null ? _tree.First : left.Next;
        var originReplica = left?.Replica ?? TextItem.None;
        var originClock = left is null ? 0 : left.End - 1;
        var rightReplica = right?.Replica ?? TextItem.None;
        var rightClock = right?.Clock ?? 0;

        _self.Content.Append(text);
        _self.Sequence++;
        if (!TryExtend(left, right, _self.Index, clock, length, rightReplica, rightClock))
        {
            var item = new TextItem
            {
                Replica = _self.Index,
                Clock = clock,
                Length = length,
                OriginReplica = originReplica,
                OriginClock = originClock,
                RightReplica = rightReplica,
                RightClock = rightClock,
            };
            Place(item, left, right);
            _self.Runs.Append(item);
        }

        return new TextInsertion(Replica, _self.Sequence, clock, ToId(originReplica, originClock), ToId(rightReplica, rightClock), text);
    }

    /// <summary>Deletes <paramref name="length"/> code points from <paramref name="index"/>.</summary>
    /// <param name="index">Where, in code points.</param>
    /// <param name="length">How many code points; 0 changes nothing.</param>
    /// <returns>The operation to send to the other replicas, or <c>null</c> when <paramref name="length"/> is 0.</returns>
    public TextDeletion? Delete(int index, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length - index);
        if (length == 0)
        {
            return null;
        }

        var sequence = ++_self.Sequence;
        var ranges = new List<TextRange>();
        var (item, offset) = _tree.FindVisible(index);
        if (offset > 0)
        {
            item = Split(item, offset);
        }

        var remaining = length;
        while (remaining > 0)
        {
            if (item.Deleted)
            {
                item = item.Next!;
                continue;
            }

            if (item.Length > remaining)
            {
                Split(item, remaining);
            }

            remaining -= item.Length;
            var replica = _replicas[item.Replica];
            if (ranges.Count > 0 && ranges[^1] is var last && last.Start.Replica == replica.Name && last.Start.Clock + last.Length == item.Clock)
            {
                ranges[^1] = last with { Length = last.Length + item.Length };
            }
            else
            {
                ranges.Add(new TextRange(new TextId(replica.Name, item.Clock), item.Length));
            }

            item = MarkDeleted(item, _self.Index, (int)Math.Min(sequence, int.MaxValue)).Next!;
        }

        return new TextDeletion(Replica, sequence, ranges);
    }

    /// <summary>
    /// Applies an operation from any replica (this one's included): a duplicate is ignored, an operation whose
    /// dependencies (the replica's previous operation, its origins, the code points it deletes) are not all integrated
    /// waits in a buffer and is applied as soon as they are.
    /// </summary>
    /// <param name="operation">The operation.</param>
    /// <returns>Whether the operation was applied now (false: duplicate or buffered).</returns>
    /// <exception cref="ArgumentException">The operation, or a buffered one it made ready, contradicts what this replica
    /// knows of its author (e.g. a clock that does not follow its previous insertion); that one is discarded, the
    /// others stay applied or buffered.</exception>
    public bool Integrate(TextOperation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        switch (Readiness(operation))
        {
            case Ready.Duplicate:
                return false;
            case Ready.Later:
                _pending.Add(operation);
                return false;
        }

        Apply(operation);
        _pending.Remove(operation.Replica, operation.Sequence);
        DrainPending();
        return true;
    }

    /// <summary>The text.</summary>
    public override string ToString()
    {
        var builder = new StringBuilder(Length);
        for (var item = _tree.First; item is not null; item = item.Next)
        {
            if (!item.Deleted)
            {
                _replicas[item.Replica].Content.AppendTo(builder, item.Clock, item.Length);
            }
        }

        return builder.ToString();
    }

    private enum Ready
    {
        Now,
        Later,
        Duplicate,
    }

    private Ready Readiness(TextOperation operation)
    {
        var author = _byName.GetValueOrDefault(operation.Replica);
        var integrated = author?.Sequence ?? 0;
        if (operation.Sequence <= integrated)
        {
            return Ready.Duplicate;
        }

        if (operation.Sequence != integrated + 1)
        {
            return Ready.Later;
        }

        switch (operation)
        {
            case TextInsertion insertion:
                if (insertion.Clock != (author?.NextClock ?? 0))
                {
                    throw new ArgumentException($"{insertion} does not follow {operation.Replica}'s previous insertion (clock {author?.NextClock ?? 0}).", nameof(operation));
                }

                return Known(insertion.Origin, 1) && Known(insertion.RightOrigin, 1) ? Ready.Now : Ready.Later;
            case TextDeletion deletion:
                foreach (var range in deletion.Ranges)
                {
                    if (!Known(range.Start, range.Length))
                    {
                        return Ready.Later;
                    }
                }

                return Ready.Now;
            default:
                throw new ArgumentException($"Unknown operation type {operation.GetType()}.", nameof(operation));
        }
    }

    private bool Known(TextId? id, long length) =>
        id is not { } value || (_byName.TryGetValue(value.Replica, out var replica) && value.Clock <= replica.NextClock - length);

    private void DrainPending()
    {
        if (_pending.Count == 0)
        {
            return;
        }

        bool progress;
        do
        {
            progress = false;
            foreach (var operation in _pending.NextOfEachAuthor(author => _byName.GetValueOrDefault(author)?.Sequence ?? 0))
            {
                Ready ready;
                try
                {
                    ready = Readiness(operation);
                }
                catch (ArgumentException)
                {
                    // A contradicting operation can never become valid: report it once, do not keep it.
                    _pending.Remove(operation.Replica, operation.Sequence);
                    throw;
                }

                if (ready == Ready.Now)
                {
                    _pending.Remove(operation.Replica, operation.Sequence);
                    Apply(operation);
                    progress = true;
                }
            }
        }
        while (progress);
    }

    private void Apply(TextOperation operation)
    {
        var author = GetOrAddReplica(operation.Replica);
        if (operation is TextInsertion insertion)
        {
            ApplyInsertion(author, insertion);
        }
        else
        {
            ApplyDeletion(author, (TextDeletion)operation);
        }

        author.Sequence = operation.Sequence;
    }

    private void ApplyInsertion(ReplicaState author, TextInsertion insertion)
    {
        var length = CountCodePoints(insertion.Text);
        if (insertion.Clock + length > MaxClock)
        {
            throw new ArgumentException($"{insertion} exceeds {MaxClock} code points for its replica.", nameof(insertion));
        }

        var clock = (int)insertion.Clock;
        TextItem? left = null;
        int originReplica = TextItem.None, originClock = 0;
        if (insertion.Origin is { } origin)
        {
            var replica = _byName[origin.Replica];
            (originReplica, originClock) = (replica.Index, (int)origin.Clock);
            left = replica.Runs.Find(originClock) ?? throw Compacted(insertion, origin);
            if (originClock < left.End - 1)
            {
                Split(left, originClock - left.Clock + 1);
            }
        }

        TextItem? right = null;
        int rightReplica = TextItem.None, rightClock = 0;
        if (insertion.RightOrigin is { } rightOrigin)
        {
            var replica = _byName[rightOrigin.Replica];
            (rightReplica, rightClock) = (replica.Index, (int)rightOrigin.Clock);
            right = replica.Runs.Find(rightClock) ?? throw Compacted(insertion, rightOrigin);
            if (rightClock > right.Clock)
            {
                right = Split(right, rightClock - right.Clock);
            }
        }

        author.Content.Append(insertion.Text);
        if (TryExtend(left, right, author.Index, clock, length, rightReplica, rightClock))
        {
            return;
        }

        var item = new TextItem
        {
            Replica = author.Index,
            Clock = clock,
            Length = length,
            OriginReplica = originReplica,
            OriginClock = originClock,
            RightReplica = rightReplica,
            RightClock = rightClock,
        };
        Place(item, left, right);
        author.Runs.Append(item);
    }

    private static ArgumentException Compacted(TextInsertion insertion, TextId origin) =>
        new($"{insertion} names {origin}, a tombstone this replica dropped in a compaction: the compaction's stability condition was violated (docs/text-crdt.md).", nameof(insertion));

    private void ApplyDeletion(ReplicaState author, TextDeletion deletion)
    {
        var sequence = (int)Math.Min(deletion.Sequence, int.MaxValue);
        foreach (var range in deletion.Ranges)
        {
            var replica = _byName[range.Start.Replica];
            var clock = (int)range.Start.Clock;
            var end = (int)(range.Start.Clock + range.Length);
            while (clock < end)
            {
                var item = replica.Runs.FindAtOrAfter(clock);
                if (item is null || item.Clock >= end)
                {
                    break;
                }

                if (item.Clock < clock)
                {
                    item = Split(item, clock - item.Clock);
                }

                if (item.End > end)
                {
                    Split(item, end - item.Clock);
                }

                clock = item.End;
                if (!item.Deleted)
                {
                    MarkDeleted(item, author.Index, sequence);
                }
            }
        }
    }

    /// <summary>
    /// Local typing and in-order remote runs: when the new code points directly follow <paramref name="left"/> (same
    /// replica, next clocks, same right origin, nothing in between) they join it instead of becoming a new item.
    /// </summary>
    private bool TryExtend(TextItem? left, TextItem? right, int replica, int clock, int length, int rightReplica, int rightClock)
    {
        if (left is null || left.Deleted || left.Replica != replica || left.End != clock || left.Next != right
            || left.RightReplica != rightReplica || (rightReplica != TextItem.None && left.RightClock != rightClock))
        {
            return false;
        }

        left.Length += length;
        _tree.Changed(left);
        return true;
    }

    /// <summary>
    /// YATA's integration, as in Yjs's <c>Item.integrate</c>: scan the items between the origins and skip those that
    /// must stay to the left of the new one. Concurrent inserts at one spot order by replica id; an item whose origin
    /// lies inside the scanned range belongs to an earlier run and is skipped with it, which is what keeps runs whole.
    /// </summary>
    private void Place(TextItem item, TextItem? left, TextItem? right)
    {
        var scan = left is null ? _tree.First : left.Next;
        if (scan != right)
        {
            var beforeOrigin = new HashSet<TextItem>(ReferenceEqualityComparer.Instance);
            var conflicting = new HashSet<TextItem>(ReferenceEqualityComparer.Instance);
            var name = _replicas[item.Replica].Name;
            for (var o = scan; o is not null && o != right; o = o.Next)
            {
                beforeOrigin.Add(o);
                conflicting.Add(o);
                if (o.OriginReplica == item.OriginReplica && (o.OriginReplica == TextItem.None || o.OriginClock == item.OriginClock))
                {
                    if (string.CompareOrdinal(_replicas[o.Replica].Name, name) < 0)
                    {
                        left = o;
                        conflicting.Clear();
                    }
                    else if (o.RightReplica == item.RightReplica && (o.RightReplica == TextItem.None || o.RightClock == item.RightClock))
                    {
                        break;
                    }
                }
                else if (o.OriginReplica != TextItem.None && _replicas[o.OriginReplica].Runs.Find(o.OriginClock) is { } originItem
                    && beforeOrigin.Contains(originItem))
                {
                    if (!conflicting.Contains(originItem))
                    {
                        left = o;
                        conflicting.Clear();
                    }
                }
                else
                {
                    break;
                }
            }
        }

        _tree.InsertAfter(left, item);
    }

    /// <summary>Splits <paramref name="item"/> after <paramref name="offset"/> code points; returns the right part.</summary>
    private TextItem Split(TextItem item, int offset)
    {
        var right = new TextItem
        {
            Replica = item.Replica,
            Clock = item.Clock + offset,
            Length = item.Length - offset,
            Deleted = item.Deleted,
            OriginReplica = item.Replica,
            OriginClock = item.Clock + offset - 1,
            RightReplica = item.RightReplica,
            RightClock = item.RightClock,
            DeleteReplica = item.DeleteReplica,
            DeleteSequence = item.DeleteSequence,
        };
        item.Length = offset;
        _tree.InsertAfter(item, right);
        _replicas[item.Replica].Runs.InsertAfter(item, right);
        return right;
    }

    /// <summary>Deletes <paramref name="item"/> and merges it with tombstone neighbours it continues; returns the merged item.</summary>
    private TextItem MarkDeleted(TextItem item, int replica, int sequence)
    {
        item.Deleted = true;
        item.DeleteReplica = replica;
        item.DeleteSequence = sequence;
        _tree.Changed(item);
        // Backspacing splits a run one code point at a time; without merging, every deleted code point would stay an item.
        if (item.Prev is { } previous && TryMerge(previous, item))
        {
            item = previous;
        }

        if (item.Next is { } next)
        {
            TryMerge(item, next);
        }

        return item;
    }

    /// <summary>Absorbs <paramref name="next"/> into <paramref name="item"/> when both are tombstones of one run, as a split would have left them.</summary>
    private bool TryMerge(TextItem item, TextItem next)
    {
        if (!item.Deleted || !next.Deleted || next.Replica != item.Replica || next.Clock != item.End
            || next.OriginReplica != item.Replica || next.OriginClock != item.End - 1
            || next.RightReplica != item.RightReplica || (item.RightReplica != TextItem.None && next.RightClock != item.RightClock)
            || next.DeleteReplica != item.DeleteReplica)
        {
            return false;
        }

        // The later deletion stamp: stability of the merged tombstone is never claimed too early.
        item.DeleteSequence = Math.Max(item.DeleteSequence, next.DeleteSequence);
        item.Length += next.Length;
        _tree.Remove(next);
        _replicas[next.Replica].Runs.Remove(next);
        return true;
    }

    private ReplicaState GetOrAddReplica(string name)
    {
        if (!_byName.TryGetValue(name, out var replica))
        {
            replica = new ReplicaState(name, _replicas.Count);
            _replicas.Add(replica);
            _byName.Add(name, replica);
        }

        return replica;
    }

    private TextId? ToId(int replica, int clock) => replica == TextItem.None ? null : new TextId(_replicas[replica].Name, clock);

    internal static int CountCodePoints(string text)
    {
        // As string.EnumerateRunes counts: a surrogate pair is one code point, a lone surrogate one (U+FFFD).
        var count = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }

            count++;
        }

        return count;
    }
}
