using System.Buffers;
using Converge.Model.Encoding;

namespace Converge.Model.Counters;

/// <summary>
/// A <see cref="GCounter"/> operation: "<see cref="Replica"/>'s total is now <see cref="Total"/>". Idempotent and
/// commutative because applying it takes a maximum. Encoding: a format byte (0x33), the replica, the total varint.
/// </summary>
public sealed record CounterDelta
{
    /// <summary>Creates a delta.</summary>
    /// <param name="replica">The replica that incremented; non-empty.</param>
    /// <param name="total">Its total after the increment; positive.</param>
    public CounterDelta(string replica, long total)
    {
        ArgumentException.ThrowIfNullOrEmpty(replica);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(total);
        Replica = replica;
        Total = total;
    }

    /// <summary>The replica that incremented.</summary>
    public string Replica { get; }

    /// <summary>Its total increments so far.</summary>
    public long Total { get; }

    /// <summary>Writes the delta.</summary>
    /// <param name="output">Where bytes go.</param>
    public void Encode(IBufferWriter<byte> output)
    {
        var writer = new ModelWriter(output);
        writer.WriteByte(ModelFormat.CounterDeltaV1);
        writer.WriteString(Replica);
        writer.WriteVarUInt((ulong)Total);
    }

    /// <summary>Reads a delta written by <see cref="Encode"/>.</summary>
    /// <param name="bytes">The encoding, exactly.</param>
    /// <exception cref="ModelEncodingException">The bytes are not a valid delta.</exception>
    public static CounterDelta Decode(ReadOnlySpan<byte> bytes)
    {
        var reader = new ModelReader(bytes);
        ModelFormat.Expect(ref reader, ModelFormat.CounterDeltaV1, "a counter delta");
        var replica = ReadReplica(ref reader);
        var total = ReadTotal(ref reader, allowZero: false);
        reader.ExpectEnd();
        return new CounterDelta(replica, total);
    }

    internal static string ReadReplica(ref ModelReader reader)
    {
        var replica = reader.ReadString(1024);
        return replica.Length > 0 ? replica : throw reader.Fail("a replica id is empty");
    }

    internal static long ReadTotal(ref ModelReader reader, bool allowZero)
    {
        var total = reader.ReadVarUInt();
        return total > long.MaxValue || (total == 0 && !allowZero) ? throw reader.Fail($"counter total {total} is out of range") : (long)total;
    }
}
