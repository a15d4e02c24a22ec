using System.Buffers;
using Converge.Model.Encoding;

namespace Converge.Model.Sets;

/// <summary>
/// An operation on an <see cref="OrSet{T}"/>: <see cref="OrSetAdd{T}"/> or <see cref="OrSetRemove{T}"/>.
/// Each is an event with a unique <see cref="Id"/>; replicas apply a replica's events in order (see
/// <see cref="OrSet{T}.IsCausallyReady"/>) and skip ones already applied.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
/// <remarks>
/// Encoding: a format byte (0x42), a kind byte (1 add, 2 remove), the id (replica string, counter varint), then for
/// an add the element by its codec and for a remove a count and the removed tags (replica string, counter varint).
/// Decode with <see cref="OrSet.DecodeOperation{T}"/>.
/// </remarks>
public abstract record OrSetOperation<T>
{
    private protected OrSetOperation(OrSetTag id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id.Replica, nameof(id));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(id.Counter, nameof(id));
        Id = id;
    }

    /// <summary>The event's id; for an add, also the tag it attaches.</summary>
    public OrSetTag Id { get; }

    /// <summary>Writes the operation.</summary>
    /// <param name="output">Where bytes go.</param>
    /// <param name="codec">Encodes elements.</param>
    public void Encode(IBufferWriter<byte> output, IModelCodec<T> codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        var writer = new ModelWriter(output);
        writer.WriteByte(ModelFormat.OrSetOperationV1);
        writer.WriteByte(this is OrSetAdd<T> ? (byte)1 : (byte)2);
        writer.WriteString(Id.Replica);
        writer.WriteVarUInt((ulong)Id.Counter);
        switch (this)
        {
            case OrSetAdd<T> add:
                codec.Write(ref writer, add.Element);
                break;
            case OrSetRemove<T> remove:
                writer.WriteVarUInt((ulong)remove.Tags.Count);
                foreach (var tag in remove.Tags)
                {
                    writer.WriteString(tag.Replica);
                    writer.WriteVarUInt((ulong)tag.Counter);
                }

                break;
            default:
                break;
        }
    }
}
