using System.Buffers;
using System.Collections.Immutable;
using Converge.Model.Clocks;
using Converge.Model.Encoding;
using Converge.Model.Registers;

namespace Converge.Model.Maps;

/// <summary>
/// A document of objects (id → fields) where each field is its own last-writer-wins register, as in Figma's
/// multiplayer: concurrent writes to different fields of one object both survive, and of concurrent writes to the
/// same field the one with the later <see cref="HlcTimestamp"/> wins. Immutable.
/// </summary>
/// <remarks>
/// <para>
/// <b>Delete and re-create.</b> A delete is a timestamped tombstone on the object, not the removal of its entry.
/// The object shows only the field writes strictly later than its latest delete; it exists while at least one
/// such write remains. So: a write older than the delete (including one that arrives after it) is hidden and stays
/// hidden; a write newer than the delete re-creates the object with only the fields written since, so deleted
/// fields never come back; of a concurrent delete and field write the later timestamp wins. Tombstones are kept
/// forever, since dropping one would let a delayed older write resurrect the object.
/// </para>
/// <para>
/// <b>Tree.</b> <see cref="ParentField"/> and <see cref="PositionField"/> are ordinary LWW string fields: moving an
/// object is a write of both. <see cref="ChildrenOf"/> orders siblings by position (ordinal; positions come from a
/// fractional-index generator) and then by object id, so equal positions from concurrent inserts still give one
/// order on every replica.
/// </para>
/// <para>
/// <b>Merge.</b> <see cref="Merge"/> takes, per object, the later delete and per field the later write, then drops
/// writes at or before the delete: a join, so commutative, associative and idempotent. <see cref="Apply"/> is the
/// join with a single write, so operations converge in any order, with duplicates.
/// </para>
/// <para>
/// <b>Encoding.</b> A format byte (0x21); a table of the distinct node ids; the object count; per object in
/// ordinal id order its id, a delete flag byte with the delete's timestamp, the field count and per field in
/// ordinal order name, timestamp and value. Timestamps inside are the physical time as a varint offset from the
/// earliest physical time in the state (written once, after the node table), the counter varint and the node-table
/// index: a node id is written once however many writes it made, and a present-day time takes 1–4 bytes, not 6.
/// </para>
/// </remarks>
public sealed class LwwObjectMap : IEquatable<LwwObjectMap>
{
    /// <summary>The field holding an object's parent id (a string) in the document tree.</summary>
    public const string ParentField = "parent";

    /// <summary>The field holding an object's fractional position (a string) among its siblings.</summary>
    public const string PositionField = "position";

    /// <summary>The longest object id or field name accepted, in UTF-8 bytes.</summary>
    public const int MaxNameBytes = 4096;

    private readonly ImmutableSortedDictionary<string, ObjectEntry> _objects;

    private LwwObjectMap(ImmutableSortedDictionary<string, ObjectEntry> objects) => _objects = objects;

    /// <summary>The empty document.</summary>
    public static LwwObjectMap Empty { get; } = new(ImmutableSortedDictionary.Create<string, ObjectEntry>(StringComparer.Ordinal));

    /// <summary>The ids of the objects that exist, in ordinal order.</summary>
    public IEnumerable<string> ObjectIds => _objects.Where(static o => o.Value.Exists).Select(static o => o.Key);

    /// <summary>Applies one operation; this map is unchanged. Applying an operation again changes nothing.</summary>
    /// <param name="operation">A field set or an object delete.</param>
    public LwwObjectMap Apply(MapOperation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var current = _objects.GetValueOrDefault(operation.ObjectId);
        var next = ObjectEntry.Apply(current, operation);
        return ReferenceEquals(next, current) ? this : new(_objects.SetItem(operation.ObjectId, next!));
    }

    /// <summary>Sets a field (see <see cref="SetFieldOperation"/>).</summary>
    /// <param name="objectId">The object.</param>
    /// <param name="field">The field.</param>
    /// <param name="value">The value; <see cref="FieldValue.Null"/> clears the field.</param>
    /// <param name="timestamp">The write's timestamp.</param>
    public LwwObjectMap Set(string objectId, string field, FieldValue value, HlcTimestamp timestamp) =>
        Apply(new SetFieldOperation(objectId, field, value, timestamp));

    /// <summary>Deletes an object (see <see cref="DeleteObjectOperation"/>).</summary>
    /// <param name="objectId">The object.</param>
    /// <param name="timestamp">The delete's timestamp.</param>
    public LwwObjectMap Delete(string objectId, HlcTimestamp timestamp) => Apply(new DeleteObjectOperation(objectId, timestamp));

    /// <summary>Joins another replica's state into this one's; this map is unchanged.</summary>
    /// <param name="other">The other replica's map.</param>
    public LwwObjectMap Merge(LwwObjectMap other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var builder = _objects.ToBuilder();
        foreach (var (id, theirs) in other._objects)
        {
            builder[id] = builder.TryGetValue(id, out var mine) ? mine.Merge(theirs) : theirs;
        }

        return new(builder.ToImmutable());
    }

    /// <summary>Whether the object exists (some field was written after its latest delete).</summary>
    /// <param name="objectId">The object.</param>
    public bool Contains(string objectId) => _objects.TryGetValue(objectId, out var entry) && entry.Exists;

    /// <summary>The object's non-null fields, if it exists.</summary>
    /// <param name="objectId">The object.</param>
    /// <param name="fields">Its fields by name, or empty.</param>
    public bool TryGetObject(string objectId, out IReadOnlyDictionary<string, FieldValue> fields)
    {
        if (_objects.TryGetValue(objectId, out var entry) && entry.Exists)
        {
            fields = entry.Fields.Where(static f => f.Value.Value.Kind != FieldValueKind.Null)
                .ToImmutableSortedDictionary(static f => f.Key, static f => f.Value.Value, StringComparer.Ordinal);
            return true;
        }

        fields = ImmutableSortedDictionary<string, FieldValue>.Empty;
        return false;
    }

    /// <summary>A field's value; <see cref="FieldValue.Null"/> if the object or field does not exist.</summary>
    /// <param name="objectId">The object.</param>
    /// <param name="field">The field.</param>
    public FieldValue GetField(string objectId, string field) =>
        _objects.TryGetValue(objectId, out var entry) && entry.Fields.TryGetValue(field, out var register) ? register.Value : FieldValue.Null;

    /// <summary>
    /// The existing objects whose <see cref="ParentField"/> is <paramref name="parentId"/>, ordered by
    /// <see cref="PositionField"/> (ordinal; a missing or non-string position sorts first) and then by object id.
    /// </summary>
    /// <param name="parentId">The parent's id (which need not exist itself).</param>
    public IReadOnlyList<string> ChildrenOf(string parentId)
    {
        ArgumentNullException.ThrowIfNull(parentId);
        var children = new List<(string Position, string Id)>();
        foreach (var (id, entry) in _objects)
        {
            if (entry.Fields.TryGetValue(ParentField, out var parent)
                && parent.Value.TryGetString(out var parentValue)
                && string.Equals(parentValue, parentId, StringComparison.Ordinal))
            {
                var position = entry.Fields.TryGetValue(PositionField, out var p) && p.Value.TryGetString(out var s) ? s : string.Empty;
                children.Add((position, id));
            }
        }

        children.Sort(static (a, b) =>
        {
            var byPosition = string.CompareOrdinal(a.Position, b.Position);
            return byPosition != 0 ? byPosition : string.CompareOrdinal(a.Id, b.Id);
        });
        return children.ConvertAll(static c => c.Id);
    }

    /// <summary>Writes the whole state (see the remarks for the layout).</summary>
    /// <param name="output">Where bytes go.</param>
    public void Encode(IBufferWriter<byte> output)
    {
        var nodes = new Dictionary<string, int>(StringComparer.Ordinal);
        var nodeList = new List<string>();
        var basePhysical = long.MaxValue;
        foreach (var entry in _objects.Values)
        {
            AddNode(entry.DeletedAt);
            foreach (var register in entry.Fields.Values)
            {
                AddNode(register.Timestamp);
            }
        }

        var writer = new ModelWriter(output);
        writer.WriteByte(ModelFormat.LwwObjectMapV1);
        writer.WriteVarUInt((ulong)nodeList.Count);
        foreach (var node in nodeList)
        {
            writer.WriteString(node);
        }

        basePhysical = nodeList.Count == 0 ? 0 : basePhysical;
        writer.WriteVarUInt((ulong)basePhysical);
        writer.WriteVarUInt((ulong)_objects.Count);
        foreach (var (id, entry) in _objects)
        {
            writer.WriteString(id);
            if (entry.DeletedAt == HlcTimestamp.Zero)
            {
                writer.WriteByte(0);
            }
            else
            {
                writer.WriteByte(1);
                WriteTimestamp(ref writer, entry.DeletedAt, basePhysical, nodes);
            }

            writer.WriteVarUInt((ulong)entry.Fields.Count);
            foreach (var (field, register) in entry.Fields)
            {
                writer.WriteString(field);
                WriteTimestamp(ref writer, register.Timestamp, basePhysical, nodes);
                register.Value.Encode(ref writer);
            }
        }

        void AddNode(HlcTimestamp timestamp)
        {
            if (timestamp == HlcTimestamp.Zero)
            {
                return;
            }

            basePhysical = Math.Min(basePhysical, timestamp.PhysicalMilliseconds);
            if (nodes.TryAdd(timestamp.NodeId, nodeList.Count))
            {
                nodeList.Add(timestamp.NodeId);
            }
        }
    }

    /// <summary>Reads a state written by <see cref="Encode"/>, checking every invariant.</summary>
    /// <param name="bytes">The encoding, exactly.</param>
    /// <exception cref="ModelEncodingException">The bytes are not a valid map.</exception>
    public static LwwObjectMap Decode(ReadOnlySpan<byte> bytes)
    {
        var reader = new ModelReader(bytes);
        ModelFormat.Expect(ref reader, ModelFormat.LwwObjectMapV1, "an object map");

        // Each node id takes at least two bytes (length and one byte), each object at least three.
        var nodeCount = reader.ReadCount(reader.Remaining / 2, "the node table's size");
        var nodes = new string[nodeCount];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < nodeCount; i++)
        {
            nodes[i] = reader.ReadString(HlcTimestamp.MaxNodeIdBytes);
            if (nodes[i].Length == 0 || !seen.Add(nodes[i]))
            {
                throw reader.Fail("node table entries must be non-empty and distinct");
            }
        }

        var basePhysical = reader.ReadVarUInt();
        if (basePhysical > HlcTimestamp.MaxPhysicalMilliseconds)
        {
            throw reader.Fail($"base physical time {basePhysical} is out of range");
        }

        var objectCount = reader.ReadCount(reader.Remaining / 3, "the object count");
        var objects = ImmutableSortedDictionary.CreateBuilder<string, ObjectEntry>(StringComparer.Ordinal);
        string? previousId = null;
        for (var i = 0; i < objectCount; i++)
        {
            var id = ReadName(ref reader, "an object id");
            if (previousId is not null && string.CompareOrdinal(previousId, id) >= 0)
            {
                throw reader.Fail("object ids must be strictly ascending");
            }

            previousId = id;
            var deletedAt = reader.ReadByte() switch
            {
                0 => HlcTimestamp.Zero,
                1 => ReadTimestamp(ref reader, (long)basePhysical, nodes),
                var flag => throw reader.Fail($"delete flag {flag} is neither 0 nor 1"),
            };

            var fieldCount = reader.ReadCount(reader.Remaining / 5, "an object's field count");
            var fields = ImmutableSortedDictionary.CreateBuilder<string, LwwRegister<FieldValue>>(StringComparer.Ordinal);
            string? previousField = null;
            for (var f = 0; f < fieldCount; f++)
            {
                var field = ReadName(ref reader, "a field name");
                if (previousField is not null && string.CompareOrdinal(previousField, field) >= 0)
                {
                    throw reader.Fail("field names must be strictly ascending");
                }

                previousField = field;
                var timestamp = ReadTimestamp(ref reader, (long)basePhysical, nodes);
                if (timestamp <= deletedAt)
                {
                    throw reader.Fail("a field write is not newer than its object's delete");
                }

                fields[field] = new LwwRegister<FieldValue>(FieldValue.Decode(ref reader), timestamp);
            }

            if (fieldCount == 0 && deletedAt == HlcTimestamp.Zero)
            {
                throw reader.Fail("an object has neither fields nor a delete");
            }

            objects[id] = new ObjectEntry(deletedAt, fields.ToImmutable());
        }

        reader.ExpectEnd();
        return new(objects.ToImmutable());
    }

    /// <inheritdoc />
    public bool Equals(LwwObjectMap? other) =>
        other is not null
        && _objects.Count == other._objects.Count
        && _objects.All(o => other._objects.TryGetValue(o.Key, out var theirs) && o.Value.Equals(theirs));

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as LwwObjectMap);

    /// <inheritdoc />
    public override int GetHashCode() => _objects.Count;

    internal static void ValidateName(string name, string parameterName)
    {
        ArgumentException.ThrowIfNullOrEmpty(name, parameterName);
        if (System.Text.Encoding.UTF8.GetByteCount(name) > MaxNameBytes)
        {
            throw new ArgumentException($"Object ids and field names are at most {MaxNameBytes} UTF-8 bytes.", parameterName);
        }
    }

    internal static string ReadName(ref ModelReader reader, string what)
    {
        var name = reader.ReadString(MaxNameBytes);
        return name.Length > 0 ? name : throw reader.Fail($"{what} is empty");
    }

    private static void WriteTimestamp(ref ModelWriter writer, HlcTimestamp timestamp, long basePhysical, Dictionary<string, int> nodes)
    {
        writer.WriteVarUInt((ulong)(timestamp.PhysicalMilliseconds - basePhysical));
        writer.WriteVarUInt((ulong)timestamp.Counter);
        writer.WriteVarUInt((ulong)nodes[timestamp.NodeId]);
    }

    private static HlcTimestamp ReadTimestamp(ref ModelReader reader, long basePhysical, string[] nodes)
    {
        var offset = reader.ReadVarUInt();
        if (offset > (ulong)(HlcTimestamp.MaxPhysicalMilliseconds - basePhysical))
        {
            throw reader.Fail($"timestamp physical offset {offset} is out of range");
        }

        var physical = basePhysical + (long)offset;

        var counter = reader.ReadCount(int.MaxValue, "a timestamp counter");
        if (nodes.Length == 0)
        {
            throw reader.Fail("a timestamp refers to an empty node table");
        }

        var node = reader.ReadCount(nodes.Length - 1, "a node-table index");
        return new HlcTimestamp((long)physical, counter, nodes[node], trusted: true);
    }
}
