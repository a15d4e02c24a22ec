using Converge.Model.Clocks;

namespace Converge.Model.Text;

/// <summary>Dropping tombstones that no replica can need any more (docs/text-crdt.md, "Compaction").</summary>
public sealed partial class CrdtText
{
    /// <summary>
    /// Drops tombstones whose deletion is in <paramref name="stable"/>, keeping the first code point of each run of
    /// them: the only one a later insertion can name (as its right origin). Safe when <paramref name="stable"/> is a causally stable cut: every replica has
    /// integrated every operation in it, and every operation this replica will integrate later was made by a replica
    /// that had integrated all of it. One way to get such a cut: take the Meet <c>M</c> and the Merge <c>J</c> of all
    /// replicas' <see cref="Version"/>s at one moment; once this replica's version dominates <c>J</c>, <c>M</c> is one.
    /// </summary>
    /// <param name="stable">A causally stable cut (see above).</param>
    /// <returns>How many code points' tombstones were dropped.</returns>
    public int Compact(VersionVector stable)
    {
        ArgumentNullException.ThrowIfNull(stable);
        var stableSequence = new long[_replicas.Count];
        var loadedStable = true;
        for (var r = 0; r < _replicas.Count; r++)
        {
            stableSequence[r] = stable[_replicas[r].Name];
            loadedStable &= stableSequence[r] >= _replicas[r].LoadedSequence;
        }

        bool IsStable(TextItem item) => item.Deleted && (item.DeleteReplica == TextItem.LoadedStamp ? loadedStable
            : item.DeleteReplica >= 0 && stableSequence[item.DeleteReplica] >= item.DeleteSequence);

        var dropped = new HashSet<TextItem>(ReferenceEqualityComparer.Instance);
        var previousStable = false;
        for (var item = _tree.First; item is not null; item = item.Next)
        {
            var isStable = IsStable(item);
            if (isStable && !previousStable && item.Length > 1)
            {
                // The head of a run of stable tombstones is what follows a visible code point: a later insertion there
                // names its first code point as right origin, at this replica and at every other. Keep just that one.
                item = Split(item, 1);
                dropped.Add(item);
            }
            else if (isStable && previousStable)
            {
                dropped.Add(item);
            }

            previousStable = isStable;
        }

        if (dropped.Count == 0)
        {
            return 0;
        }

        // Nothing else is needed: a later insertion's scan range holds only items its author did not know, and every
        // replica knew these tombstones, so no range ever contains one; an origin lookup that finds nothing here is
        // answered "not in the range", exactly as a replica that kept it answers (docs/text-crdt.md, "Compaction").
        // Buffered operations are later ones too; their origins are kept anyway, as a guard against a wrong cut.
        foreach (var operation in _pending.All)
        {
            if (operation is TextInsertion insertion)
            {
                foreach (var id in (ReadOnlySpan<TextId?>)[insertion.Origin, insertion.RightOrigin])
                {
                    if (id is { } value && _byName.TryGetValue(value.Replica, out var replica) && value.Clock < replica.NextClock
                        && replica.Runs.Find((int)value.Clock) is { } named)
                    {
                        dropped.Remove(named);
                    }
                }
            }
        }

        var kept = new List<TextItem>(_tree.Count - dropped.Count);
        var droppedLength = 0;
        for (var item = _tree.First; item is not null; item = item.Next)
        {
            if (dropped.Contains(item))
            {
                droppedLength += item.Length;
            }
            else
            {
                kept.Add(item);
            }
        }

        foreach (var replica in _replicas)
        {
            replica.Runs.Clear();
        }

        var byClock = kept.ToArray();
        Array.Sort(byClock, static (a, b) => a.Replica != b.Replica ? a.Replica.CompareTo(b.Replica) : a.Clock.CompareTo(b.Clock));
        foreach (var item in byClock)
        {
            _replicas[item.Replica].Runs.Append(item);
        }

        _tree.Build(kept);
        return droppedLength;
    }
}
