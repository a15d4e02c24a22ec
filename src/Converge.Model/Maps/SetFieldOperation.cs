using Converge.Model.Clocks;

namespace Converge.Model.Maps;

/// <summary>
/// Sets one field of one object. It wins over earlier writes of the same field and, if it is later than the
/// object's delete, brings the object back (see <see cref="LwwObjectMap"/> for the delete semantics). Setting
/// <see cref="FieldValue.Null"/> clears the field.
/// </summary>
public sealed record SetFieldOperation : MapOperation
{
    /// <summary>Creates the operation.</summary>
    /// <param name="objectId">The object; non-empty.</param>
    /// <param name="field">The field; non-empty.</param>
    /// <param name="value">The new value.</param>
    /// <param name="timestamp">The write's timestamp, from the writer's <see cref="HybridLogicalClock"/>.</param>
    public SetFieldOperation(string objectId, string field, FieldValue value, HlcTimestamp timestamp)
        : base(objectId, timestamp)
    {
        LwwObjectMap.ValidateName(field, nameof(field));
        Field = field;
        Value = value;
    }

    /// <summary>The field written.</summary>
    public string Field { get; }

    /// <summary>The value written.</summary>
    public FieldValue Value { get; }
}
