using System.Buffers;
using Converge.Model.Encoding;

namespace Converge.Model.Counters;

/// <summary>
/// A <see cref="PNCounter"/> operation: the replica's totals of increments and decrements after a change.
/// Encoding: a format byte (0x34), the replica, the increments varint, the decrements varint.
/// </summary>
public sealed record PNCounterDelta
{
    /// <summary>Creates a delta.</summary>
    /// <param name="replica">The replica that changed the counter; non-empty.</param>
    /// <param name="increments">Its total increments; non-negative.</param>
    /// <param name="decrements">Its total decrements; non-negative.</param>
    public PNCounterDelta(string replica, long increments, long decrements)
    {
        ArgumentException.ThrowIfNullOrEmpty(replica);
        ArgumentOutOfRangeException.ThrowIfNegative(increments);
        ArgumentOutOfRangeException.ThrowIfNegative(decrements);
        Replica = replica;
        Increments = increments;
        Decrements = decrements;
    }

    /// <summary>The replica that changed the counter.</summary>
    public string Replica { get; }

    /// <summary>Its total increments so far.</summary>
    public long Increments { get; }

    /// <summary>Its total decrements so far.</summary>
    public long Decrements { get; }

    /// <summary>Writes the delta.</summary>
    /// <param name="output">Where bytes go.</param>
    public void Encode(IBufferWriter<byte> output)
    {
        var writer = new ModelWriter(output);
        writer.WriteByte(ModelFormat.PNCounterDeltaV1);
        writer.WriteString(Replica);
        writer.WriteVarUInt((ulong)Increments);
        writer.WriteVarUInt((ulong)Decrements);
    }

    /// <summary>Reads a delta written by <see cref="Encode"/>.</summary>
    /// <param name="bytes">The encoding, exactly.</param>
    /// <exception cref="ModelEncodingException">The bytes are not a valid delta.</exception>
    public static PNCounterDelta Decode(ReadOnlySpan<byte> bytes)
    {
        var reader = new ModelReader(bytes);
        ModelFormat.Expect(ref reader, ModelFormat.PNCounterDeltaV1, "a PN-Counter delta");
        var replica = CounterDelta.ReadReplica(ref reader);
        var increments = CounterDelta.ReadTotal(ref reader, allowZero: true);
        var decrements = CounterDelta.ReadTotal(ref reader, allowZero: true);
        reader.ExpectEnd();
        return new PNCounterDelta(replica, increments, decrements);
    }
}
