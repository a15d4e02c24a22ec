using System.Buffers;
using Converge.Model.Clocks;
using Converge.Model.Encoding;

namespace Converge.Model.Registers;

/// <summary>
/// A last-writer-wins register: one value and the <see cref="HlcTimestamp"/> of the write that set it. Of two
/// writes the one with the greater timestamp wins; timestamps are totally ordered with the node id as the final
/// tiebreak, so every replica picks the same winner. Immutable.
/// </summary>
/// <typeparam name="T">The value type.</typeparam>
/// <remarks>
/// State-based: <see cref="Merge"/> keeps the later write and is commutative, associative and idempotent.
/// Op-based: the op is the write itself (<see cref="Set"/>), which is the same join, so ops may be applied in any
/// order and any number of times. Both rest on timestamps being unique per write, which a
/// <see cref="HybridLogicalClock"/> guarantees; two different values under one timestamp are a caller bug and
/// the earlier-held one is kept. Encoding: a format byte (0x11), the timestamp, then the value by its codec; decode with
/// <see cref="LwwRegister.Decode{T}"/>.
/// </remarks>
public sealed class LwwRegister<T> : IEquatable<LwwRegister<T>>
{
    /// <summary>Creates a register holding <paramref name="value"/> as written at <paramref name="timestamp"/>.</summary>
    /// <param name="value">The value.</param>
    /// <param name="timestamp">When it was written; <see cref="HlcTimestamp.Zero"/> for an initial value every write beats.</param>
    public LwwRegister(T value, HlcTimestamp timestamp)
    {
        Value = value;
        Timestamp = timestamp;
    }

    /// <summary>The current value.</summary>
    public T Value { get; }

    /// <summary>The timestamp of the write that set <see cref="Value"/>.</summary>
    public HlcTimestamp Timestamp { get; }

    /// <summary>Applies a write: the register with <paramref name="value"/> if <paramref name="timestamp"/> is later, else this one.</summary>
    /// <param name="value">The value written.</param>
    /// <param name="timestamp">The write's timestamp.</param>
    public LwwRegister<T> Set(T value, HlcTimestamp timestamp) => timestamp > Timestamp ? new(value, timestamp) : this;

    /// <summary>The later of the two registers' writes.</summary>
    /// <param name="other">The other replica's register.</param>
    public LwwRegister<T> Merge(LwwRegister<T> other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return other.Timestamp > Timestamp ? other : this;
    }

    /// <summary>Writes the register (format byte, timestamp, value).</summary>
    /// <param name="output">Where bytes go.</param>
    /// <param name="codec">Encodes the value.</param>
    public void Encode(IBufferWriter<byte> output, IModelCodec<T> codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        var writer = new ModelWriter(output);
        writer.WriteByte(ModelFormat.LwwRegisterV1);
        Timestamp.Encode(ref writer);
        codec.Write(ref writer, Value);
    }

    /// <inheritdoc />
    public bool Equals(LwwRegister<T>? other) =>
        other is not null && Timestamp == other.Timestamp && EqualityComparer<T>.Default.Equals(Value, other.Value);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as LwwRegister<T>);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Timestamp, Value);

    /// <inheritdoc />
    public override string ToString() => $"{Value} @ {Timestamp}";
}

/// <summary>Decoding of <see cref="LwwRegister{T}"/>, here so that the value type is inferred from the codec.</summary>
public static class LwwRegister
{
    /// <summary>Reads a register written by <see cref="LwwRegister{T}.Encode"/>.</summary>
    /// <param name="bytes">The encoding, exactly.</param>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="codec">Decodes the value.</param>
    /// <exception cref="ModelEncodingException">The bytes are not a valid register.</exception>
    public static LwwRegister<T> Decode<T>(ReadOnlySpan<byte> bytes, IModelCodec<T> codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        var reader = new ModelReader(bytes);
        ModelFormat.Expect(ref reader, ModelFormat.LwwRegisterV1, "an LWW register");
        var timestamp = HlcTimestamp.Decode(ref reader);
        var value = codec.Read(ref reader);
        reader.ExpectEnd();
        return new LwwRegister<T>(value, timestamp);
    }
}
