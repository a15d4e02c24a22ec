using System.Collections.Immutable;
using System.Text.Json;
using Converge.Model.Clocks;
using Converge.Model.Registers;

namespace Converge.Model.Maps;

/// <summary>
/// Figma-style objects with last-writer-wins per property: each field of each object is its own
/// <see cref="LwwRegister{T}"/>, so concurrent writes to different fields of one object both survive and only
/// same-field writes conflict (the later HLC reading wins, node id breaking ties).
/// </summary>
/// <remarks>
/// <para><b>Delete and re-create.</b> A delete is an HLC-stamped tombstone on the object: it hides every field written
/// before it. A field written after the delete re-creates the object, showing only the fields written after the delete
/// (a re-created object does not resurrect its old fields). A delete and a field write that are concurrent are
/// ordered by their HLC readings like any other conflict.</para>
/// <para><b>Order and moves.</b> An object's <c>parent</c> (an object id as a JSON string) and <c>position</c> (a
/// <see cref="Ordering.FractionalIndex"/> key as a JSON string) are ordinary fields: <see cref="Children"/> orders the
/// visible children of a parent by position, then by object id, so a move is two field writes and concurrent moves
/// resolve like any other field conflict.</para>
/// <para>Merge (and applying operations in any order, with duplicates) is commutative, associative and idempotent.
/// Immutable.</para>
/// </remarks>
public sealed class LwwObjectMap
{
    /// <summary>The field that names an object's parent.</summary>
    public const string ParentField = "parent";

    /// <summary>The field that holds an object's fractional position among its siblings.</summary>
    public const string PositionField = "position";

    private readonly ImmutableSortedDictionary<string, ObjectState> _objects;

    private LwwObjectMap(ImmutableSortedDictionary<string, ObjectState> objects) => _objects = objects;

    /// <summary>The map with no objects.</summary>
    public static LwwObjectMap Empty { get; } = new(ImmutableSortedDictionary.Create<string, ObjectState>(StringComparer.Ordinal));

    /// <summary>The ids of the objects that are visible (not deleted, or re-created), in ordinal order.</summary>
    public IEnumerable<string> ObjectIds => _objects.Where(static o => o.Value.IsVisible).Select(static o => o.Key);

    /// <summary>The visible fields of an object; empty when it does not exist or is deleted.</summary>
    /// <param name="objectId">The object.</param>
    public IReadOnlyDictionary<string, JsonElement> Fields(string objectId) =>
        _objects.TryGetValue(objectId, out var state) ? state.VisibleFields : ImmutableSortedDictionary<string, JsonElement>.Empty;

    /// <summary>Whether the object is visible.</summary>
    /// <param name="objectId">The object.</param>
    public bool Contains(string objectId) => _objects.TryGetValue(objectId, out var state) && state.IsVisible;

    /// <summary>The visible children of <paramref name="parentId"/>, ordered by position, then object id.</summary>
    /// <param name="parentId">The parent object's id.</param>
    public IReadOnlyList<string> Children(string parentId) =>
        _objects
            .Where(o => o.Value.IsVisible && o.Value.VisibleFields.TryGetValue(ParentField, out var parent)
                && parent.ValueKind == JsonValueKind.String && parent.GetString() == parentId)
            .Select(static o => (Id: o.Key, Position: o.Value.VisibleFields.TryGetValue(PositionField, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : string.Empty))
            .OrderBy(static c => c.Position, StringComparer.Ordinal)
            .ThenBy(static c => c.Id, StringComparer.Ordinal)
            .Select(static c => c.Id)
            .ToArray();

    /// <summary>This map with <paramref name="operation"/> applied; an operation it has already seen changes nothing.</summary>
    /// <param name="operation">The operation.</param>
    public LwwObjectMap Apply(MapOperation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentException.ThrowIfNullOrEmpty(operation.ObjectId);
        var state = _objects.GetValueOrDefault(operation.ObjectId) ?? ObjectState.New;
        var next = operation switch
        {
            MapOperation.SetField set => state.Set(set.Field, set.Value, set.Timestamp),
            MapOperation.DeleteObject delete => state.Delete(delete.Timestamp),
            _ => throw new ArgumentException($"Unknown map operation {operation.GetType().Name}.", nameof(operation)),
        };
        return ReferenceEquals(next, state) ? this : new(_objects.SetItem(operation.ObjectId, next));
    }

    /// <summary>Everything either map has seen.</summary>
    /// <param name="other">The other replica's map.</param>
    public LwwObjectMap Merge(LwwObjectMap other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var merged = this;
        foreach (var operation in other.ToOperations())
        {
            merged = merged.Apply(operation);
        }

        return merged;
    }

    /// <summary>Operations that rebuild this map's full state (hidden fields and tombstones included) from empty.</summary>
    public IEnumerable<MapOperation> ToOperations()
    {
        foreach (var (id, state) in _objects)
        {
            if (state.DeletedAt is { } deleted)
            {
                yield return new MapOperation.DeleteObject(id, deleted);
            }

            foreach (var (field, register) in state.Fields)
            {
                yield return new MapOperation.SetField(id, field, register.Value, register.Timestamp);
            }
        }
    }

    /// <summary>Whether both maps hold the same full state: the same registers and tombstones, not only the same view.</summary>
    /// <param name="other">The other map.</param>
    public bool StateEquals(LwwObjectMap other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return _objects.Count == other._objects.Count && _objects.All(o => other._objects.TryGetValue(o.Key, out var theirs) && o.Value.StateEquals(theirs));
    }

    private sealed record ObjectState(ImmutableSortedDictionary<string, LwwRegister<JsonElement>> Fields, HlcTimestamp? DeletedAt)
    {
        public static ObjectState New { get; } = new(ImmutableSortedDictionary.Create<string, LwwRegister<JsonElement>>(StringComparer.Ordinal), null);

        public bool IsVisible => Fields.Values.Any(IsAfterDelete);

        public ImmutableSortedDictionary<string, JsonElement> VisibleFields =>
            Fields.Where(f => IsAfterDelete(f.Value)).ToImmutableSortedDictionary(static f => f.Key, static f => f.Value.Value, StringComparer.Ordinal);

        public ObjectState Set(string field, JsonElement value, HlcTimestamp timestamp)
        {
            ArgumentException.ThrowIfNullOrEmpty(field);
            if (Fields.TryGetValue(field, out var current) && current.Timestamp >= timestamp)
            {
                return this;
            }

            return this with { Fields = Fields.SetItem(field, new LwwRegister<JsonElement>(value.Clone(), timestamp)) };
        }

        public ObjectState Delete(HlcTimestamp timestamp) =>
            DeletedAt is { } existing && existing >= timestamp ? this : this with { DeletedAt = timestamp };

        public bool StateEquals(ObjectState other) =>
            DeletedAt == other.DeletedAt
            && Fields.Count == other.Fields.Count
            && Fields.All(f => other.Fields.TryGetValue(f.Key, out var theirs)
                && f.Value.Timestamp == theirs.Timestamp && JsonElement.DeepEquals(f.Value.Value, theirs.Value));

        private bool IsAfterDelete(LwwRegister<JsonElement> register) => DeletedAt is not { } deleted || register.Timestamp > deleted;
    }
}
