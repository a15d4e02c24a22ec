using System.Buffers;
using Converge.Model.Clocks;
using Converge.Model.Encoding;

namespace Converge.Model.Maps;

/// <summary>
/// An operation on an <see cref="LwwObjectMap"/>: <see cref="SetFieldOperation"/> or
/// <see cref="DeleteObjectOperation"/>, stamped with the writer's <see cref="HlcTimestamp"/>. Applying an
/// operation is a join with a one-write state, so operations may arrive in any order and any number of times.
/// </summary>
/// <remarks>
/// Encoding: a format byte (0x22), a kind byte (1 set field, 2 delete object), the object id, for a set the field
/// name and value, then the timestamp.
/// </remarks>
public abstract record MapOperation
{
    private protected MapOperation(string objectId, HlcTimestamp timestamp)
    {
        LwwObjectMap.ValidateName(objectId, nameof(objectId));
        if (timestamp == HlcTimestamp.Zero)
        {
            throw new ArgumentException("An operation needs a real timestamp, not HlcTimestamp.Zero.", nameof(timestamp));
        }

        ObjectId = objectId;
        Timestamp = timestamp;
    }

    /// <summary>The object written.</summary>
    public string ObjectId { get; }

    /// <summary>When, in hybrid logical time, the write happened.</summary>
    public HlcTimestamp Timestamp { get; }

    /// <summary>Writes the operation.</summary>
    /// <param name="output">Where bytes go.</param>
    public void Encode(IBufferWriter<byte> output)
    {
        var writer = new ModelWriter(output);
        writer.WriteByte(ModelFormat.MapOperationV1);
        switch (this)
        {
            case SetFieldOperation set:
                writer.WriteByte(1);
                writer.WriteString(ObjectId);
                writer.WriteString(set.Field);
                set.Value.Encode(ref writer);
                break;
            default:
                writer.WriteByte(2);
                writer.WriteString(ObjectId);
                break;
        }

        Timestamp.Encode(ref writer);
    }

    /// <summary>Reads an operation written by <see cref="Encode"/>.</summary>
    /// <param name="bytes">The encoding, exactly.</param>
    /// <exception cref="ModelEncodingException">The bytes are not a valid operation.</exception>
    public static MapOperation Decode(ReadOnlySpan<byte> bytes)
    {
        var reader = new ModelReader(bytes);
        ModelFormat.Expect(ref reader, ModelFormat.MapOperationV1, "an object-map operation");
        var kind = reader.ReadByte();
        if (kind is not (1 or 2))
        {
            throw reader.Fail($"object-map operation kind {kind} is unknown");
        }

        var objectId = LwwObjectMap.ReadName(ref reader, "an object id");
        string? field = null;
        var value = FieldValue.Null;
        if (kind == 1)
        {
            field = LwwObjectMap.ReadName(ref reader, "a field name");
            value = FieldValue.Decode(ref reader);
        }

        var timestamp = HlcTimestamp.Decode(ref reader);
        if (timestamp == HlcTimestamp.Zero)
        {
            throw reader.Fail("an operation's timestamp is zero");
        }

        reader.ExpectEnd();
        return field is null ? new DeleteObjectOperation(objectId, timestamp) : new SetFieldOperation(objectId, field, value, timestamp);
    }
}
