using System.Buffers;
using System.Collections.Immutable;
using Converge.Model.Clocks;
using Converge.Model.Encoding;

namespace Converge.Model.Sets;

/// <summary>
/// An observed-remove set, add-wins: every add attaches a unique <see cref="OrSetTag"/> to its element, and a
/// remove removes only the tags its replica had observed, so an add concurrent with a remove survives. Immutable.
/// </summary>
/// <typeparam name="T">The element type; equality is <see cref="EqualityComparer{T}.Default"/>.</typeparam>
/// <remarks>
/// <para>
/// <b>State.</b> Live tags (tag → element); tombstones (removed tag → the id of a remove that removed it); and the
/// causal <see cref="Context"/>, a version vector of every event (add or remove) applied. Because every replica
/// applies a replica's events in order, "tag ≤ context" means "this replica has applied that add"; a tag it has
/// applied but holds neither live nor as a tombstone was compacted away, which means removed.
/// </para>
/// <para>
/// <b>Merge.</b> Per tag, each side is unseen &lt; live &lt; tombstone &lt; compacted, and the merge takes the
/// greater (for two tombstones, the smaller remove id); contexts merge pointwise. A per-key maximum, so the merge
/// is commutative, associative and idempotent, also between compacted and uncompacted states.
/// </para>
/// <para>
/// <b>Operations.</b> <see cref="PrepareAdd"/>/<see cref="PrepareRemove"/> make operations with the replica's next
/// event number; <see cref="Apply"/> applies one whose predecessors have been applied
/// (<see cref="IsCausallyReady"/>) and ignores one already applied.
/// </para>
/// <para>
/// <b>Compaction.</b> The causal-stability frontier is the <see cref="VersionVector.Meet"/> of every replica's
/// context (<see cref="OrSet.StabilityFrontier"/>): the events every replica has applied. A tombstone whose tag and
/// remove id are both at or below the frontier can be dropped (<see cref="Compact"/>): every replica has applied the
/// add and a remove of that tag, so none holds it live, none can send an operation that adds it, and a later
/// remove naming it is a no-op. Every replica's context covers the tag, so each reads the absence as removal.
/// </para>
/// <para>
/// <b>Encoding.</b> A format byte (0x41); the context; the live count and, in tag order, each tag and element; the
/// tombstone count and, in tag order, each tag and remove id. Tags and ids inside are the index of their replica
/// in the context (which must contain it) and a counter varint, so replica ids are written once.
/// </para>
/// </remarks>
public sealed class OrSet<T> : IEquatable<OrSet<T>>
{
    private static readonly ImmutableSortedDictionary<OrSetTag, T> NoLive = ImmutableSortedDictionary<OrSetTag, T>.Empty;
    private static readonly ImmutableSortedDictionary<OrSetTag, OrSetTag> NoTombstones = ImmutableSortedDictionary<OrSetTag, OrSetTag>.Empty;

    private readonly ImmutableSortedDictionary<OrSetTag, T> _live;
    private readonly ImmutableSortedDictionary<OrSetTag, OrSetTag> _tombstones;

    /// <summary>Creates the empty set.</summary>
    public OrSet()
        : this(NoLive, NoTombstones, VersionVector.Empty)
    {
    }

    internal OrSet(ImmutableSortedDictionary<OrSetTag, T> live, ImmutableSortedDictionary<OrSetTag, OrSetTag> tombstones, VersionVector context)
    {
        _live = live;
        _tombstones = tombstones;
        Context = context;
    }

    private enum Status
    {
        Unseen,
        Live,
        Tombstone,
        Compacted,
    }

    /// <summary>Every event applied, per replica: report it to compute the <see cref="OrSet.StabilityFrontier"/>.</summary>
    public VersionVector Context { get; }

    /// <summary>The elements in the set (those with at least one live tag).</summary>
    public IReadOnlySet<T> Elements => _live.Values.ToHashSet();

    /// <summary>How many removed tags are still remembered (what <see cref="Compact"/> can reclaim).</summary>
    public int TombstoneCount => _tombstones.Count;

    /// <summary>Whether <paramref name="element"/> has a live tag.</summary>
    /// <param name="element">The element.</param>
    public bool Contains(T element) => _live.ContainsValue(element);

    /// <summary>The operation by which <paramref name="replica"/> adds <paramref name="element"/> under a fresh tag.</summary>
    /// <param name="replica">The caller's own replica id.</param>
    /// <param name="element">The element.</param>
    public OrSetAdd<T> PrepareAdd(string replica, T element) => new(NextId(replica), element);

    /// <summary>The operation by which <paramref name="replica"/> removes the tags of <paramref name="element"/> it has observed.</summary>
    /// <param name="replica">The caller's own replica id.</param>
    /// <param name="element">The element.</param>
    public OrSetRemove<T> PrepareRemove(string replica, T element)
    {
        var comparer = EqualityComparer<T>.Default;
        return new(NextId(replica), _live.Where(l => comparer.Equals(l.Value, element)).Select(static l => l.Key));
    }

    /// <summary>Adds an element on behalf of <paramref name="replica"/> (applies <see cref="PrepareAdd"/>).</summary>
    /// <param name="replica">The caller's own replica id.</param>
    /// <param name="element">The element.</param>
    public OrSet<T> Add(string replica, T element) => Apply(PrepareAdd(replica, element));

    /// <summary>Removes an element on behalf of <paramref name="replica"/> (applies <see cref="PrepareRemove"/>).</summary>
    /// <param name="replica">The caller's own replica id.</param>
    /// <param name="element">The element.</param>
    public OrSet<T> Remove(string replica, T element) => Apply(PrepareRemove(replica, element));

    /// <summary>
    /// Whether <paramref name="operation"/> can be applied now: it was applied already (and will be skipped), or it is
    /// its replica's next event and, for a remove, every tag it names has been applied.
    /// </summary>
    /// <param name="operation">The operation.</param>
    public bool IsCausallyReady(OrSetOperation<T> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var applied = Context[operation.Id.Replica];
        return operation.Id.Counter <= applied
            || (operation.Id.Counter == applied + 1 && (operation is not OrSetRemove<T> remove || remove.Tags.All(Seen)));
    }

    /// <summary>Applies an operation; one already applied changes nothing.</summary>
    /// <param name="operation">The operation.</param>
    /// <exception cref="InvalidOperationException">
    /// It is not <see cref="IsCausallyReady">causally ready</see>: an earlier event of its replica, or an add it
    /// removes, has not been applied. Buffer it and retry after applying those.
    /// </exception>
    public OrSet<T> Apply(OrSetOperation<T> operation)
    {
        if (!IsCausallyReady(operation))
        {
            throw new InvalidOperationException($"Operation {operation.Id} is not causally ready at context {Context}.");
        }

        if (Seen(operation.Id))
        {
            return this;
        }

        var context = Context.With(operation.Id.Replica, operation.Id.Counter);
        if (operation is OrSetAdd<T> add)
        {
            return new(_live.Add(add.Id, add.Element), _tombstones, context);
        }

        var live = _live.ToBuilder();
        var tombstones = _tombstones.ToBuilder();
        foreach (var tag in ((OrSetRemove<T>)operation).Tags)
        {
            if (live.Remove(tag))
            {
                tombstones[tag] = operation.Id;
            }
            else if (tombstones.TryGetValue(tag, out var removedBy) && operation.Id < removedBy)
            {
                tombstones[tag] = operation.Id;
            }
        }

        return new(live.ToImmutable(), tombstones.ToImmutable(), context);
    }

    /// <summary>Joins another replica's state into this one's (see the remarks); this set is unchanged.</summary>
    /// <param name="other">The other replica's set.</param>
    public OrSet<T> Merge(OrSet<T> other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var live = NoLive.ToBuilder();
        var tombstones = NoTombstones.ToBuilder();
        Collect(this, other, live, tombstones);
        Collect(other, this, live, tombstones);
        return new(live.ToImmutable(), tombstones.ToImmutable(), Context.Merge(other.Context));

        static void Collect(OrSet<T> from, OrSet<T> against, ImmutableSortedDictionary<OrSetTag, T>.Builder live, ImmutableSortedDictionary<OrSetTag, OrSetTag>.Builder tombstones)
        {
            foreach (var (tag, element) in from._live)
            {
                switch (against.StatusOf(tag))
                {
                    case Status.Unseen or Status.Live:
                        live[tag] = element;
                        break;
                    case Status.Tombstone:
                        tombstones[tag] = against._tombstones[tag];
                        break;
                    default:
                        break;
                }
            }

            foreach (var (tag, removedBy) in from._tombstones)
            {
                switch (against.StatusOf(tag))
                {
                    case Status.Unseen or Status.Live:
                        tombstones[tag] = removedBy;
                        break;
                    case Status.Tombstone:
                        var theirs = against._tombstones[tag];
                        tombstones[tag] = removedBy < theirs ? removedBy : theirs;
                        break;
                    default:
                        break;
                }
            }
        }
    }

    /// <summary>
    /// A snapshot without the tombstones that are causally stable at <paramref name="frontier"/>: those whose tag
    /// and remove id are both at or below it. Elements are unchanged.
    /// </summary>
    /// <param name="frontier">
    /// The <see cref="OrSet.StabilityFrontier"/> of every replica's context. It is capped at this set's own context,
    /// so a frontier from the future cannot drop what this replica has not applied.
    /// </param>
    public OrSet<T> Compact(VersionVector frontier)
    {
        ArgumentNullException.ThrowIfNull(frontier);
        var stable = frontier.Meet(Context);
        var dropped = _tombstones.Where(t => Covers(stable, t.Key) && Covers(stable, t.Value)).Select(static t => t.Key).ToList();
        return dropped.Count == 0 ? this : new(_live, _tombstones.RemoveRange(dropped), Context);
    }

    /// <summary>Writes the state (see the remarks for the layout).</summary>
    /// <param name="output">Where bytes go.</param>
    /// <param name="codec">Encodes elements.</param>
    public void Encode(IBufferWriter<byte> output, IModelCodec<T> codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        var replicas = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var replica in Context.Counters.Keys)
        {
            replicas.Add(replica, replicas.Count);
        }

        var writer = new ModelWriter(output);
        writer.WriteByte(ModelFormat.OrSetV1);
        Context.Encode(ref writer);
        writer.WriteVarUInt((ulong)_live.Count);
        foreach (var (tag, element) in _live)
        {
            WriteTag(ref writer, tag, replicas);
            codec.Write(ref writer, element);
        }

        writer.WriteVarUInt((ulong)_tombstones.Count);
        foreach (var (tag, removedBy) in _tombstones)
        {
            WriteTag(ref writer, tag, replicas);
            WriteTag(ref writer, removedBy, replicas);
        }
    }

    /// <inheritdoc />
    public bool Equals(OrSet<T>? other)
    {
        if (other is null || !Context.Equals(other.Context) || _live.Count != other._live.Count || _tombstones.Count != other._tombstones.Count)
        {
            return false;
        }

        var comparer = EqualityComparer<T>.Default;
        return _live.All(l => other._live.TryGetValue(l.Key, out var e) && comparer.Equals(l.Value, e))
            && _tombstones.All(t => other._tombstones.TryGetValue(t.Key, out var r) && r == t.Value);
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as OrSet<T>);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Context, _live.Count, _tombstones.Count);

    internal static bool Covers(VersionVector vector, OrSetTag tag) => tag.Counter <= vector[tag.Replica];

    private bool Seen(OrSetTag tag) => Covers(Context, tag);

    private Status StatusOf(OrSetTag tag) =>
        _live.ContainsKey(tag) ? Status.Live
        : _tombstones.ContainsKey(tag) ? Status.Tombstone
        : Seen(tag) ? Status.Compacted
        : Status.Unseen;

    private OrSetTag NextId(string replica)
    {
        ArgumentException.ThrowIfNullOrEmpty(replica);
        return new(replica, Context[replica] + 1);
    }

    private static void WriteTag(ref ModelWriter writer, OrSetTag tag, Dictionary<string, int> replicas)
    {
        writer.WriteVarUInt((ulong)replicas[tag.Replica]);
        writer.WriteVarUInt((ulong)tag.Counter);
    }
}

/// <summary>
/// Companion of <see cref="OrSet{T}"/>: decoding (here so that the element type is inferred from the codec) and
/// the causal-stability frontier.
/// </summary>
public static class OrSet
{
    /// <summary>
    /// The causal-stability frontier: the <see cref="VersionVector.Meet"/> of the contexts of every replica of the
    /// set, that is the events all of them have applied. Leave one replica out and tombstones it still needs may be
    /// compacted, so pass all of them (an empty sequence gives the empty vector, which compacts nothing).
    /// </summary>
    /// <param name="contexts">Every replica's <see cref="OrSet{T}.Context"/>.</param>
    public static VersionVector StabilityFrontier(IEnumerable<VersionVector> contexts)
    {
        ArgumentNullException.ThrowIfNull(contexts);
        VersionVector? frontier = null;
        foreach (var context in contexts)
        {
            frontier = frontier is null ? context : frontier.Meet(context);
        }

        return frontier ?? VersionVector.Empty;
    }

    /// <summary>Reads a set written by <see cref="OrSet{T}.Encode"/>, checking every invariant.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="bytes">The encoding, exactly.</param>
    /// <param name="codec">Decodes elements.</param>
    /// <exception cref="ModelEncodingException">The bytes are not a valid set.</exception>
    public static OrSet<T> Decode<T>(ReadOnlySpan<byte> bytes, IModelCodec<T> codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        var reader = new ModelReader(bytes);
        ModelFormat.Expect(ref reader, ModelFormat.OrSetV1, "an OR-Set");
        var context = VersionVector.Decode(ref reader);
        var replicas = context.Counters.Keys.ToArray();

        // A live entry takes at least three bytes (two for the tag, one for the element), a tombstone four.
        var liveCount = reader.ReadCount(reader.Remaining / 3, "the live tag count");
        var live = ImmutableSortedDictionary.CreateBuilder<OrSetTag, T>();
        OrSetTag? previous = null;
        for (var i = 0; i < liveCount; i++)
        {
            var tag = ReadTag(ref reader, replicas, context, previous);
            live[tag] = codec.Read(ref reader);
            previous = tag;
        }

        var tombstoneCount = reader.ReadCount(reader.Remaining / 4, "the tombstone count");
        var tombstones = ImmutableSortedDictionary.CreateBuilder<OrSetTag, OrSetTag>();
        previous = null;
        for (var i = 0; i < tombstoneCount; i++)
        {
            var tag = ReadTag(ref reader, replicas, context, previous);
            if (live.ContainsKey(tag))
            {
                throw reader.Fail($"tag {tag} is both live and removed");
            }

            tombstones[tag] = ReadTag(ref reader, replicas, context, previous: null);
            previous = tag;
        }

        reader.ExpectEnd();
        return new OrSet<T>(live.ToImmutable(), tombstones.ToImmutable(), context);
    }

    /// <summary>Reads an operation written by <see cref="OrSetOperation{T}.Encode"/>.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="bytes">The encoding, exactly.</param>
    /// <param name="codec">Decodes the element.</param>
    /// <exception cref="ModelEncodingException">The bytes are not a valid operation.</exception>
    public static OrSetOperation<T> DecodeOperation<T>(ReadOnlySpan<byte> bytes, IModelCodec<T> codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        var reader = new ModelReader(bytes);
        ModelFormat.Expect(ref reader, ModelFormat.OrSetOperationV1, "an OR-Set operation");
        var kind = reader.ReadByte();
        if (kind is not (1 or 2))
        {
            throw reader.Fail($"OR-Set operation kind {kind} is unknown");
        }

        var id = ReadFullTag(ref reader);
        if (kind == 1)
        {
            var element = codec.Read(ref reader);
            reader.ExpectEnd();
            return new OrSetAdd<T>(id, element);
        }

        var count = reader.ReadCount(reader.Remaining / 3, "the removed tag count");
        var tags = new OrSetTag[count];
        for (var i = 0; i < count; i++)
        {
            tags[i] = ReadFullTag(ref reader);
            if (i > 0 && tags[i] <= tags[i - 1])
            {
                throw reader.Fail("removed tags must be strictly ascending");
            }
        }

        reader.ExpectEnd();
        return new OrSetRemove<T>(id, tags);
    }

    private static OrSetTag ReadTag(ref ModelReader reader, string[] replicas, VersionVector context, OrSetTag? previous)
    {
        if (replicas.Length == 0)
        {
            throw reader.Fail("a tag refers to an empty context");
        }

        var replica = replicas[reader.ReadCount(replicas.Length - 1, "a replica index")];
        var counter = reader.ReadVarUInt();
        var tag = counter is >= 1 and <= long.MaxValue ? new OrSetTag(replica, (long)counter) : throw reader.Fail($"tag counter {counter} is out of range");
        if (!OrSet<int>.Covers(context, tag))
        {
            throw reader.Fail($"tag {tag} is beyond the context");
        }

        return previous is { } p && tag <= p ? throw reader.Fail("tags must be strictly ascending") : tag;
    }

    private static OrSetTag ReadFullTag(ref ModelReader reader)
    {
        var replica = reader.ReadString(1024);
        var counter = reader.ReadVarUInt();
        return replica.Length > 0 && counter is >= 1 and <= long.MaxValue
            ? new OrSetTag(replica, (long)counter)
            : throw reader.Fail("a tag needs a non-empty replica and a positive counter");
    }
}
