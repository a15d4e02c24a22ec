using Converge.Model.Clocks;
using Converge.Model.Encoding;
using CsCheck;

namespace Converge.Model.Tests.Clocks;

public sealed class VersionVectorTests
{
    private static readonly Gen<VersionVector> Vector = ClockGen.Vector;

    [Fact]
    public void Merge__is_commutative_associative_and_idempotent()
    {
        MergeProperties.AssertJoin(Vector, static (a, b) => a.Merge(b));
    }

    [Fact]
    public void Meet__is_commutative_associative_idempotent_and_absorbs_merge()
    {
        Gen.Select(Vector, Vector, Vector).Sample((a, b, c) =>
        {
            Assert.Equal(a.Meet(b), b.Meet(a));
            Assert.Equal(a.Meet(b).Meet(c), a.Meet(b.Meet(c)));
            Assert.Equal(a, a.Meet(a));
            Assert.Equal(a, a.Meet(a.Merge(b)));
            Assert.Equal(a, a.Merge(a.Meet(b)));
        }, iter: EncodingProperties.Iterations);
    }

    [Fact]
    public void Compare__is_consistent_with_pointwise_order_merge_and_meet()
    {
        Gen.Select(Vector, Vector).Sample((a, b) =>
        {
            var order = a.Compare(b);
            var reverse = b.Compare(a);
            Assert.Equal(order switch
            {
                CausalOrder.Before => CausalOrder.After,
                CausalOrder.After => CausalOrder.Before,
                var same => same,
            }, reverse);

            var keys = a.Counters.Keys.Union(b.Counters.Keys).ToArray();
            var le = keys.All(k => a[k] <= b[k]);
            var ge = keys.All(k => a[k] >= b[k]);
            Assert.Equal((le, ge) switch
            {
                (true, true) => CausalOrder.Equal,
                (true, false) => CausalOrder.Before,
                (false, true) => CausalOrder.After,
                _ => CausalOrder.Concurrent,
            }, order);

            Assert.Equal(order == CausalOrder.Equal, a.Equals(b));
            Assert.True(a.Merge(b).Dominates(a) && a.Merge(b).Dominates(b));
            Assert.True(a.Dominates(a.Meet(b)) && b.Dominates(a.Meet(b)));
            Assert.Equal(a.Dominates(b), a.Merge(b).Equals(a));
        }, iter: EncodingProperties.Iterations);
    }

    [Fact]
    public void Encode__round_trips()
    {
        Vector.Sample(v => Assert.Equal(v, Decode(Encode(v))), iter: EncodingProperties.Iterations);
    }

    [Fact]
    public void Decode_of_hostile_bytes__throws_ModelEncodingException_only()
    {
        EncodingProperties.AssertHostileBytesFailCleanly(Vector.Select(Encode), static bytes => Decode(bytes));
    }

    private static byte[] Encode(VersionVector vector) => EncodingProperties.Bytes(output =>
    {
        var writer = new ModelWriter(output);
        vector.Encode(ref writer);
    });

    private static VersionVector Decode(byte[] bytes)
    {
        var reader = new ModelReader(bytes);
        var vector = VersionVector.Decode(ref reader);
        reader.ExpectEnd();
        return vector;
    }
}
