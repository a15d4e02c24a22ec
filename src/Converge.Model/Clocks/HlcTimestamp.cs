using Converge.Model.Encoding;

namespace Converge.Model.Clocks;

/// <summary>
/// A hybrid logical clock reading: physical milliseconds, a logical counter for events within one millisecond (or
/// while the wall clock lags), and the node id as the final tiebreak, so that any two readings are totally ordered.
/// </summary>
/// <param name="WallMilliseconds">Milliseconds since the Unix epoch, never below any earlier reading's.</param>
/// <param name="Counter">Orders readings with the same <paramref name="WallMilliseconds"/>.</param>
/// <param name="NodeId">The node that produced the reading.</param>
public readonly record struct HlcTimestamp(long WallMilliseconds, int Counter, string NodeId) : IComparable<HlcTimestamp>
{
    /// <inheritdoc />
    public int CompareTo(HlcTimestamp other)
    {
        var byWall = WallMilliseconds.CompareTo(other.WallMilliseconds);
        if (byWall != 0)
        {
            return byWall;
        }

        var byCounter = Counter.CompareTo(other.Counter);
        return byCounter != 0 ? byCounter : string.CompareOrdinal(NodeId, other.NodeId);
    }

    /// <summary>Whether <paramref name="left"/> is earlier than <paramref name="right"/>.</summary>
    public static bool operator <(HlcTimestamp left, HlcTimestamp right) => left.CompareTo(right) < 0;

    /// <summary>Whether <paramref name="left"/> is later than <paramref name="right"/>.</summary>
    public static bool operator >(HlcTimestamp left, HlcTimestamp right) => left.CompareTo(right) > 0;

    /// <summary>Whether <paramref name="left"/> is earlier than or equal to <paramref name="right"/>.</summary>
    public static bool operator <=(HlcTimestamp left, HlcTimestamp right) => left.CompareTo(right) <= 0;

    /// <summary>Whether <paramref name="left"/> is later than or equal to <paramref name="right"/>.</summary>
    public static bool operator >=(HlcTimestamp left, HlcTimestamp right) => left.CompareTo(right) >= 0;

    /// <summary>Writes the reading: wall (varint), counter (varint), node id (string).</summary>
    /// <param name="writer">The writer.</param>
    public void Encode(ref ModelWriter writer)
    {
        writer.WriteVarUInt((ulong)WallMilliseconds);
        writer.WriteVarUInt((ulong)Counter);
        writer.WriteString(NodeId);
    }

    /// <summary>Reads a reading written by <see cref="Encode"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <exception cref="ModelEncodingException">The bytes are not a valid reading.</exception>
    public static HlcTimestamp Decode(ref ModelReader reader)
    {
        var wall = reader.ReadVarUInt();
        var counter = reader.ReadVarUInt();
        if (wall > long.MaxValue || counter > int.MaxValue)
        {
            throw reader.Fail("an HLC reading is out of range");
        }

        var node = reader.ReadString(HybridLogicalClock.MaxNodeIdBytes);
        return node.Length == 0 ? throw reader.Fail("an HLC reading needs a node id") : new HlcTimestamp((long)wall, (int)counter, node);
    }
}
