using System.Collections.Immutable;
using Converge.Model.Clocks;
using Converge.Model.Registers;

namespace Converge.Model.Maps;

/// <summary>
/// One object's replicated state: the latest delete seen and, per field, the latest write newer than that delete.
/// </summary>
/// <remarks>
/// Invariant: every field's timestamp is strictly greater than <see cref="DeletedAt"/>, and an entry has a field
/// or a delete. Writes at or before the delete are dropped, not kept hidden: the delete timestamp only grows, so
/// they could never show again, and dropping them keeps one canonical state per set of writes (which is what makes
/// <see cref="Merge"/> a join: it is the field-wise maximum followed by that same drop).
/// </remarks>
internal sealed class ObjectEntry : IEquatable<ObjectEntry>
{
    private static readonly ImmutableSortedDictionary<string, LwwRegister<FieldValue>> NoFields =
        ImmutableSortedDictionary.Create<string, LwwRegister<FieldValue>>(StringComparer.Ordinal);

    internal ObjectEntry(HlcTimestamp deletedAt, ImmutableSortedDictionary<string, LwwRegister<FieldValue>> fields)
    {
        DeletedAt = deletedAt;
        Fields = fields;
    }

    /// <summary>The latest delete seen; <see cref="HlcTimestamp.Zero"/> if never deleted.</summary>
    public HlcTimestamp DeletedAt { get; }

    /// <summary>The fields written after <see cref="DeletedAt"/>, including ones cleared to null.</summary>
    public ImmutableSortedDictionary<string, LwwRegister<FieldValue>> Fields { get; }

    /// <summary>Whether the object exists: some field was written after its latest delete.</summary>
    public bool Exists => !Fields.IsEmpty;

    public static ObjectEntry? Apply(ObjectEntry? entry, MapOperation operation) => operation switch
    {
        SetFieldOperation set => SetField(entry, set.Field, set.Value, set.Timestamp),
        _ => Delete(entry, operation.Timestamp),
    };

    public static ObjectEntry? SetField(ObjectEntry? entry, string field, FieldValue value, HlcTimestamp timestamp)
    {
        var deletedAt = entry?.DeletedAt ?? HlcTimestamp.Zero;
        if (timestamp <= deletedAt)
        {
            return entry;
        }

        var fields = entry?.Fields ?? NoFields;
        if (fields.TryGetValue(field, out var current) && current.Timestamp >= timestamp)
        {
            return entry;
        }

        return new ObjectEntry(deletedAt, fields.SetItem(field, new LwwRegister<FieldValue>(value, timestamp)));
    }

    public static ObjectEntry Delete(ObjectEntry? entry, HlcTimestamp timestamp)
    {
        if (entry is not null && entry.DeletedAt >= timestamp)
        {
            return entry;
        }

        var fields = entry?.Fields ?? NoFields;
        return new ObjectEntry(timestamp, fields.RemoveRange(fields.Where(f => f.Value.Timestamp <= timestamp).Select(f => f.Key)));
    }

    public ObjectEntry Merge(ObjectEntry other)
    {
        var deletedAt = HlcTimestamp.Max(DeletedAt, other.DeletedAt);
        var builder = NoFields.ToBuilder();
        foreach (var (field, register) in Fields)
        {
            if (register.Timestamp > deletedAt)
            {
                builder[field] = register;
            }
        }

        foreach (var (field, register) in other.Fields)
        {
            if (register.Timestamp > deletedAt && (!builder.TryGetValue(field, out var mine) || register.Timestamp > mine.Timestamp))
            {
                builder[field] = register;
            }
        }

        return new ObjectEntry(deletedAt, builder.ToImmutable());
    }

    public bool Equals(ObjectEntry? other) =>
        other is not null
        && DeletedAt == other.DeletedAt
        && Fields.Count == other.Fields.Count
        && Fields.All(f => other.Fields.TryGetValue(f.Key, out var o) && f.Value.Equals(o));

    public override bool Equals(object? obj) => Equals(obj as ObjectEntry);

    public override int GetHashCode() => HashCode.Combine(DeletedAt, Fields.Count);
}
