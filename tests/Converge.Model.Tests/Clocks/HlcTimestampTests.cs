using Converge.Model.Clocks;
using Converge.Model.Encoding;
using CsCheck;

namespace Converge.Model.Tests.Clocks;

public sealed class HlcTimestampTests
{
    [Fact]
    public void CompareTo__orders_by_physical_then_counter_then_node_id()
    {
        Assert.True(new HlcTimestamp(1, 9, "z") < new HlcTimestamp(2, 0, "a"));
        Assert.True(new HlcTimestamp(2, 0, "z") < new HlcTimestamp(2, 1, "a"));
        Assert.True(new HlcTimestamp(2, 1, "a") < new HlcTimestamp(2, 1, "b"));
        Assert.True(HlcTimestamp.Zero < new HlcTimestamp(0, 0, "a"));
    }

    [Fact]
    public void CompareTo__is_a_total_order_consistent_with_equality()
    {
        Gen.Select(ClockGen.Timestamp, ClockGen.Timestamp, ClockGen.Timestamp).Sample((a, b, c) =>
        {
            Assert.Equal(Math.Sign(a.CompareTo(b)), -Math.Sign(b.CompareTo(a)));
            Assert.Equal(a.CompareTo(b) == 0, a.Equals(b));
            Assert.Equal(a.CompareTo(b) == 0, a.PhysicalMilliseconds == b.PhysicalMilliseconds && a.Counter == b.Counter && a.NodeId == b.NodeId);
            if (a.Equals(b))
            {
                Assert.Equal(a.GetHashCode(), b.GetHashCode());
            }

            if (a <= b && b <= c)
            {
                Assert.True(a <= c);
            }
        }, iter: EncodingProperties.Iterations);
    }

    [Fact]
    public void Constructor__rejects_out_of_range_fields()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new HlcTimestamp(-1, 0, "a"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HlcTimestamp(HlcTimestamp.MaxPhysicalMilliseconds + 1, 0, "a"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HlcTimestamp(0, -1, "a"));
        Assert.Throws<ArgumentException>(() => new HlcTimestamp(0, 0, ""));
        Assert.Throws<ArgumentException>(() => new HlcTimestamp(0, 0, new string('x', HlcTimestamp.MaxNodeIdBytes + 1)));
    }

    [Fact]
    public void Encode__round_trips()
    {
        Gen.OneOf(ClockGen.Timestamp, ClockGen.AnyTimestamp, Gen.Const(HlcTimestamp.Zero)).Sample(t =>
        {
            var bytes = Encode(t);
            var reader = new ModelReader(bytes);
            var decoded = HlcTimestamp.Decode(ref reader);
            reader.ExpectEnd();
            Assert.Equal(t, decoded);
            Assert.Equal(t.NodeId, decoded.NodeId);
        }, iter: EncodingProperties.Iterations);
    }

    [Fact]
    public void Decode_of_hostile_bytes__throws_ModelEncodingException_only()
    {
        EncodingProperties.AssertHostileBytesFailCleanly(ClockGen.AnyTimestamp.Select(Encode), static bytes =>
        {
            var reader = new ModelReader(bytes);
            HlcTimestamp.Decode(ref reader);
            reader.ExpectEnd();
        });
    }

    [Fact]
    public void Decode_of_empty_node_id_on_non_zero_timestamp__throws_ModelEncodingException()
    {
        Assert.Throws<ModelEncodingException>(() =>
        {
            var reader = new ModelReader([5, 0, 0]);
            return HlcTimestamp.Decode(ref reader);
        });
    }

    private static byte[] Encode(HlcTimestamp timestamp) => EncodingProperties.Bytes(output =>
    {
        var writer = new ModelWriter(output);
        timestamp.Encode(ref writer);
    });
}
