using System.Collections.Immutable;

namespace Converge.Model.Sets;

/// <summary>
/// An observed-remove set with add-wins semantics (tags, members): every add gets a unique tag (replica, counter); a
/// remove removes only the tags its replica has observed, so an add concurrent with a remove survives. An element is
/// in the set while one of its tags is live. Merge unions adds and removals: commutative, associative, idempotent.
/// Immutable.
/// </summary>
public sealed class OrSet : IEquatable<OrSet>
{
    private readonly ImmutableDictionary<string, ImmutableHashSet<OrSetTag>> _adds;
    private readonly ImmutableHashSet<OrSetTag> _removed;
    private readonly ImmutableSortedDictionary<string, long> _counters;

    private OrSet(ImmutableDictionary<string, ImmutableHashSet<OrSetTag>> adds, ImmutableHashSet<OrSetTag> removed, ImmutableSortedDictionary<string, long> counters)
    {
        _adds = adds;
        _removed = removed;
        _counters = counters;
    }

    /// <summary>The empty set.</summary>
    public static OrSet Empty { get; } = new(
        ImmutableDictionary.Create<string, ImmutableHashSet<OrSetTag>>(StringComparer.Ordinal),
        [],
        ImmutableSortedDictionary.Create<string, long>(StringComparer.Ordinal));

    /// <summary>The elements, in ordinal order.</summary>
    public IReadOnlyList<string> Elements =>
        _adds.Where(a => a.Value.Any(t => !_removed.Contains(t))).Select(static a => a.Key).Order(StringComparer.Ordinal).ToArray();

    /// <summary>Tags that were removed: the tombstones compaction can drop once every replica has seen them.</summary>
    public int TombstoneCount => _removed.Count;

    /// <summary>Whether <paramref name="element"/> is in the set.</summary>
    /// <param name="element">The element.</param>
    public bool Contains(string element) => _adds.TryGetValue(element, out var tags) && tags.Any(t => !_removed.Contains(t));

    /// <summary>This set with <paramref name="element"/> added by <paramref name="replica"/> under a fresh tag.</summary>
    /// <param name="replica">The replica adding (the caller's own id).</param>
    /// <param name="element">The element.</param>
    public OrSet Add(string replica, string element)
    {
        ArgumentException.ThrowIfNullOrEmpty(replica);
        ArgumentNullException.ThrowIfNull(element);
        var counter = _counters.GetValueOrDefault(replica) + 1;
        var tag = new OrSetTag(replica, counter);
        var tags = _adds.TryGetValue(element, out var existing) ? existing.Add(tag) : [tag];
        return new(_adds.SetItem(element, tags), _removed, _counters.SetItem(replica, counter));
    }

    /// <summary>This set without <paramref name="element"/>: removes the tags observed here, not concurrent adds elsewhere.</summary>
    /// <param name="element">The element.</param>
    public OrSet Remove(string element)
    {
        ArgumentNullException.ThrowIfNull(element);
        return _adds.TryGetValue(element, out var tags) ? new(_adds, _removed.Union(tags), _counters) : this;
    }

    /// <summary>Both replicas' adds and removals.</summary>
    /// <param name="other">The other replica's set.</param>
    public OrSet Merge(OrSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var adds = _adds.ToBuilder();
        foreach (var (element, tags) in other._adds)
        {
            adds[element] = adds.TryGetValue(element, out var mine) ? mine.Union(tags) : tags;
        }

        var counters = _counters.ToBuilder();
        foreach (var (replica, counter) in other._counters)
        {
            if (counter > counters.GetValueOrDefault(replica))
            {
                counters[replica] = counter;
            }
        }

        return new(adds.ToImmutable(), _removed.Union(other._removed), counters.ToImmutable());
    }

    /// <summary>Same elements, same adds and same removals (the full state, not only what is visible).</summary>
    /// <param name="other">The other set.</param>
    public bool Equals(OrSet? other) =>
        other is not null
        && _removed.SetEquals(other._removed)
        && _adds.Count == other._adds.Count
        && _adds.All(a => other._adds.TryGetValue(a.Key, out var tags) && tags.SetEquals(a.Value));

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as OrSet);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_adds.Count, _removed.Count);
}
