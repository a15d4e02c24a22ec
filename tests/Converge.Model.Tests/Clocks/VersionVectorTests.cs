using Converge.Model.Clocks;
using Converge.Model.Encoding;
using CsCheck;

namespace Converge.Model.Tests.Clocks;

public sealed class VersionVectorTests
{
    private static readonly Gen<VersionVector> Vectors =
        Gen.Select(Gen.Char['a', 'd'], Gen.Long[1, 6]).Array[0, 6]
            .Select(entries => entries.Aggregate(VersionVector.Empty, (v, e) => v.With(e.Item1.ToString(), e.Item2)));

    [Fact]
    public void Merge_is_commutative_associative_and_idempotent() =>
        Gen.Select(Vectors, Vectors, Vectors).Sample((a, b, c) =>
            a.Merge(b).Equals(b.Merge(a)) && a.Merge(b).Merge(c).Equals(a.Merge(b.Merge(c))) && a.Merge(a).Equals(a), iter: 1000);

    [Fact]
    public void Compare_agrees_with_merge_and_is_antisymmetric() =>
        Gen.Select(Vectors, Vectors).Sample((a, b) =>
        {
            var merged = a.Merge(b);
            var order = a.Compare(b);
            var reverse = b.Compare(a);
            return merged.Dominates(a) && merged.Dominates(b)
                && (order, reverse) switch
                {
                    (CausalOrder.Before, CausalOrder.After) or (CausalOrder.After, CausalOrder.Before) => true,
                    (CausalOrder.Equal, CausalOrder.Equal) => a.Equals(b),
                    (CausalOrder.Concurrent, CausalOrder.Concurrent) => !merged.Equals(a) && !merged.Equals(b),
                    _ => false,
                };
        }, iter: 1000);

    [Fact]
    public void Meet_is_what_both_have_seen() =>
        Gen.Select(Vectors, Vectors).Sample((a, b) => a.Dominates(a.Meet(b)) && b.Dominates(a.Meet(b)), iter: 1000);

    [Fact]
    public void Vectors__round_trip_through_their_encoding_and_hostile_bytes_fail_cleanly()
    {
        Vectors.Sample(v =>
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            var writer = new ModelWriter(buffer);
            v.Encode(ref writer);
            var reader = new ModelReader(buffer.WrittenSpan);
            return VersionVector.Decode(ref reader).Equals(v) && reader.End;
        }, iter: 1000);

        Gen.Byte.Array[0, 60].Sample(bytes =>
        {
            try
            {
                var reader = new ModelReader(bytes);
                VersionVector.Decode(ref reader);
            }
            catch (ModelEncodingException)
            {
            }
        }, iter: 20_000);
    }
}
