using System.Globalization;
using Converge.Model.Encoding;

namespace Converge.Model.Clocks;

/// <summary>
/// A hybrid-logical-clock reading: wall-clock milliseconds, a logical counter for events within one millisecond,
/// and the id of the node that produced it. Timestamps are totally ordered by (physical, counter, node id), the
/// node id compared ordinally, so two nodes can never produce equal timestamps and every replica picks the same
/// winner in a last-writer-wins conflict.
/// </summary>
/// <remarks>
/// <c>default</c> is <see cref="Zero"/>: physical 0, counter 0 and an empty node id, which sorts before every
/// timestamp a clock produces. The encoding is a varint for the milliseconds, a varint for the counter and a
/// length-prefixed UTF-8 node id (about 10 bytes plus the node id for present-day times).
/// </remarks>
public readonly struct HlcTimestamp : IEquatable<HlcTimestamp>, IComparable<HlcTimestamp>
{
    /// <summary>The largest physical time accepted: the last millisecond of year 9999, as <see cref="DateTimeOffset"/>.</summary>
    public const long MaxPhysicalMilliseconds = 253_402_300_799_999;

    /// <summary>The longest node id accepted, in UTF-8 bytes.</summary>
    public const int MaxNodeIdBytes = 1024;

    private readonly string? _nodeId;

    /// <summary>Creates a timestamp.</summary>
    /// <param name="physicalMilliseconds">Milliseconds since the Unix epoch, 0 to <see cref="MaxPhysicalMilliseconds"/>.</param>
    /// <param name="counter">The logical counter, non-negative.</param>
    /// <param name="nodeId">The producing node: non-empty, at most <see cref="MaxNodeIdBytes"/> UTF-8 bytes.</param>
    public HlcTimestamp(long physicalMilliseconds, int counter, string nodeId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(physicalMilliseconds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(physicalMilliseconds, MaxPhysicalMilliseconds);
        ArgumentOutOfRangeException.ThrowIfNegative(counter);
        ValidateNodeId(nodeId);
        PhysicalMilliseconds = physicalMilliseconds;
        Counter = counter;
        _nodeId = nodeId;
    }

    // For the clock, whose node id was validated once and whose fields are in range by construction.
    internal HlcTimestamp(long physicalMilliseconds, int counter, string nodeId, bool trusted)
    {
        System.Diagnostics.Debug.Assert(trusted && physicalMilliseconds is >= 0 and <= MaxPhysicalMilliseconds && counter >= 0);
        PhysicalMilliseconds = physicalMilliseconds;
        Counter = counter;
        _nodeId = nodeId;
    }

    /// <summary>The timestamp before every other: physical 0, counter 0, empty node id.</summary>
    public static HlcTimestamp Zero => default;

    /// <summary>Milliseconds since the Unix epoch (possibly ahead of the wall clock; see <see cref="HybridLogicalClock"/>).</summary>
    public long PhysicalMilliseconds { get; }

    /// <summary>Orders events that share <see cref="PhysicalMilliseconds"/>.</summary>
    public int Counter { get; }

    /// <summary>The node that produced the timestamp; the final tiebreak (ordinal).</summary>
    public string NodeId => _nodeId ?? string.Empty;

    /// <inheritdoc />
    public int CompareTo(HlcTimestamp other)
    {
        var byPhysical = PhysicalMilliseconds.CompareTo(other.PhysicalMilliseconds);
        if (byPhysical != 0)
        {
            return byPhysical;
        }

        var byCounter = Counter.CompareTo(other.Counter);
        return byCounter != 0 ? byCounter : string.CompareOrdinal(NodeId, other.NodeId);
    }

    /// <inheritdoc />
    public bool Equals(HlcTimestamp other) => CompareTo(other) == 0;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is HlcTimestamp other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(PhysicalMilliseconds, Counter, StringComparer.Ordinal.GetHashCode(NodeId));

    /// <summary>The later of two timestamps.</summary>
    /// <param name="a">One timestamp.</param>
    /// <param name="b">The other.</param>
    public static HlcTimestamp Max(HlcTimestamp a, HlcTimestamp b) => a.CompareTo(b) >= 0 ? a : b;

    /// <summary>Writes the timestamp: physical varint, counter varint, node id string.</summary>
    /// <param name="writer">The writer.</param>
    public void Encode(ref ModelWriter writer)
    {
        writer.WriteVarUInt((ulong)PhysicalMilliseconds);
        writer.WriteVarUInt((ulong)Counter);
        writer.WriteString(NodeId);
    }

    /// <summary>Reads a timestamp written by <see cref="Encode"/>; only <see cref="Zero"/> may have an empty node id.</summary>
    /// <param name="reader">The reader.</param>
    /// <exception cref="ModelEncodingException">The bytes are not a valid timestamp.</exception>
    public static HlcTimestamp Decode(ref ModelReader reader)
    {
        var physical = reader.ReadVarUInt();
        if (physical > MaxPhysicalMilliseconds)
        {
            throw reader.Fail($"timestamp physical time {physical} is out of range");
        }

        var counter = reader.ReadCount(int.MaxValue, "a timestamp counter");
        var nodeId = reader.ReadString(MaxNodeIdBytes);
        if (nodeId.Length == 0)
        {
            return physical == 0 && counter == 0 ? Zero : throw reader.Fail("a timestamp has an empty node id");
        }

        return new HlcTimestamp((long)physical, counter, nodeId, trusted: true);
    }

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{PhysicalMilliseconds}.{Counter}@{NodeId}");

    /// <summary>Whether <paramref name="left"/> sorts before <paramref name="right"/>.</summary>
    /// <param name="left">The left timestamp.</param>
    /// <param name="right">The right timestamp.</param>
    public static bool operator <(HlcTimestamp left, HlcTimestamp right) => left.CompareTo(right) < 0;

    /// <summary>Whether <paramref name="left"/> sorts after <paramref name="right"/>.</summary>
    /// <param name="left">The left timestamp.</param>
    /// <param name="right">The right timestamp.</param>
    public static bool operator >(HlcTimestamp left, HlcTimestamp right) => left.CompareTo(right) > 0;

    /// <summary>Whether <paramref name="left"/> sorts before or equals <paramref name="right"/>.</summary>
    /// <param name="left">The left timestamp.</param>
    /// <param name="right">The right timestamp.</param>
    public static bool operator <=(HlcTimestamp left, HlcTimestamp right) => left.CompareTo(right) <= 0;

    /// <summary>Whether <paramref name="left"/> sorts after or equals <paramref name="right"/>.</summary>
    /// <param name="left">The left timestamp.</param>
    /// <param name="right">The right timestamp.</param>
    public static bool operator >=(HlcTimestamp left, HlcTimestamp right) => left.CompareTo(right) >= 0;

    /// <summary>Whether two timestamps are equal.</summary>
    /// <param name="left">The left timestamp.</param>
    /// <param name="right">The right timestamp.</param>
    public static bool operator ==(HlcTimestamp left, HlcTimestamp right) => left.Equals(right);

    /// <summary>Whether two timestamps differ.</summary>
    /// <param name="left">The left timestamp.</param>
    /// <param name="right">The right timestamp.</param>
    public static bool operator !=(HlcTimestamp left, HlcTimestamp right) => !left.Equals(right);

    internal static void ValidateNodeId(string nodeId)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        if (System.Text.Encoding.UTF8.GetByteCount(nodeId) > MaxNodeIdBytes)
        {
            throw new ArgumentException($"A node id is at most {MaxNodeIdBytes} UTF-8 bytes.", nameof(nodeId));
        }
    }
}
