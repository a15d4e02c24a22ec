using System.Collections.Immutable;
using Converge.Model.Encoding;

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

    /// <summary>
    /// Writes the full state (format 1): the elements with their tags in ordinal order, then the tombstones, then each
    /// replica's add counter. Tags are (replica string, counter varint); every count is a varint.
    /// </summary>
    /// <param name="writer">The writer.</param>
    public void Encode(ref ModelWriter writer)
    {
        writer.WriteByte(FormatVersion);
        writer.WriteVarUInt((ulong)_adds.Count);
        foreach (var (element, tags) in _adds.OrderBy(static a => a.Key, StringComparer.Ordinal))
        {
            writer.WriteString(element);
            WriteTags(ref writer, tags);
        }

        WriteTags(ref writer, _removed);
        writer.WriteVarUInt((ulong)_counters.Count);
        foreach (var (replica, counter) in _counters)
        {
            writer.WriteString(replica);
            writer.WriteVarUInt((ulong)counter);
        }
    }

    /// <summary>Reads a state written by <see cref="Encode"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <exception cref="ModelEncodingException">The bytes are not a valid set.</exception>
    public static OrSet Decode(ref ModelReader reader)
    {
        if (reader.ReadByte() != FormatVersion)
        {
            throw reader.Fail($"unknown OR-Set format (this version reads {FormatVersion})");
        }

        // Every element, tag or counter takes at least two bytes: no count can exceed half of what is left.
        var elements = reader.ReadCount(reader.Remaining / 2, "an OR-Set's element count");
        var adds = ImmutableDictionary.CreateBuilder<string, ImmutableHashSet<OrSetTag>>(StringComparer.Ordinal);
        for (var i = 0; i < elements; i++)
        {
            var element = reader.ReadString();
            if (!adds.TryAdd(element, ReadTags(ref reader)))
            {
                throw reader.Fail($"element '{element}' appears twice");
            }
        }

        var removed = ReadTags(ref reader);
        var replicas = reader.ReadCount(reader.Remaining / 2, "an OR-Set's replica count");
        var counters = ImmutableSortedDictionary.CreateBuilder<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < replicas; i++)
        {
            var replica = reader.ReadString(1024);
            var counter = reader.ReadVarUInt();
            if (replica.Length == 0 || counter is 0 or > long.MaxValue || !counters.TryAdd(replica, (long)counter))
            {
                throw reader.Fail("an OR-Set add counter is empty, out of range or repeated");
            }
        }

        // Every tag must come from a counter the set knows, or a later local add could reuse it.
        foreach (var tag in adds.Values.SelectMany(static t => t).Concat(removed))
        {
            if (tag.Counter > counters.GetValueOrDefault(tag.Replica))
            {
                throw reader.Fail($"tag ({tag.Replica}, {tag.Counter}) is beyond its replica's counter");
            }
        }

        return new(adds.ToImmutable(), removed, counters.ToImmutable());
    }

    private const byte FormatVersion = 1;

    private static void WriteTags(ref ModelWriter writer, ImmutableHashSet<OrSetTag> tags)
    {
        writer.WriteVarUInt((ulong)tags.Count);
        foreach (var tag in tags.OrderBy(static t => t.Replica, StringComparer.Ordinal).ThenBy(static t => t.Counter))
        {
            writer.WriteString(tag.Replica);
            writer.WriteVarUInt((ulong)tag.Counter);
        }
    }

    private static ImmutableHashSet<OrSetTag> ReadTags(ref ModelReader reader)
    {
        var count = reader.ReadCount(reader.Remaining / 2, "a tag count");
        var tags = ImmutableHashSet.CreateBuilder<OrSetTag>();
        for (var i = 0; i < count; i++)
        {
            var replica = reader.ReadString(1024);
            var counter = reader.ReadVarUInt();
            if (replica.Length == 0 || counter is 0 or > long.MaxValue || !tags.Add(new OrSetTag(replica, (long)counter)))
            {
                throw reader.Fail("a tag is empty, out of range or repeated");
            }
        }

        return tags.ToImmutable();
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
