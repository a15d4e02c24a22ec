using Converge.Model.Counters;
using Converge.Model.Encoding;
using Converge.Model.Sets;
using CsCheck;

namespace Converge.Model.Tests.Sets;

/// <summary>The binary state encodings of the counters and the OR-Set: exact round trips, clean failures on hostile bytes.</summary>
public sealed class StateEncodingTests
{
    private static readonly Gen<OrSet> Sets =
        Gen.Select(Gen.Int[0, 2], Gen.Int[0, 2], Gen.Int[0, 2], Gen.String[Gen.Char.AlphaNumeric, 0, 4]).Array[0, 30].Select(ops =>
        {
            var replicas = new[] { OrSet.Empty, OrSet.Empty, OrSet.Empty };
            foreach (var (kind, replica, other, element) in ops)
            {
                replicas[replica] = kind switch
                {
                    0 => replicas[replica].Add($"r{replica}", element),
                    1 => replicas[replica].Remove(element),
                    _ => replicas[replica].Merge(replicas[other]),
                };
            }

            return replicas[0].Merge(replicas[1]);
        });

    private static readonly Gen<PNCounter> Counters =
        Gen.Select(Gen.Char['a', 'd'], Gen.Long[-1000, 1000]).Array[0, 12].Select(ops => ops.Aggregate(PNCounter.Empty, (c, op) => c.Add(op.Item1.ToString(), op.Item2)));

    private delegate void Encoder(ref ModelWriter writer);

    private static byte[] Bytes(Encoder encode)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new ModelWriter(buffer);
        encode(ref writer);
        return buffer.WrittenSpan.ToArray();
    }

    [Fact]
    public void OrSet_state__round_trips_exactly_and_decoded_sets_keep_merging() =>
        Gen.Select(Sets, Sets).Sample((set, other) =>
        {
            var reader = new ModelReader(Bytes(set.Encode));
            var decoded = OrSet.Decode(ref reader);
            return reader.End && decoded.Equals(set) && decoded.Merge(other).Equals(set.Merge(other))
                && decoded.Add("r0", "new").Contains("new");
        }, iter: 1000);

    [Fact]
    public void Counter_states__round_trip_exactly() =>
        Counters.Sample(counter =>
        {
            var reader = new ModelReader(Bytes(counter.Encode));
            return PNCounter.Decode(ref reader) == counter && reader.End;
        }, iter: 1000);

    [Fact]
    public void Hostile_bytes__fail_with_a_model_encoding_exception_only()
    {
        var valid = Sets.Select(s => Bytes(s.Encode));
        var hostile = Gen.OneOf(Gen.Byte.Array[0, 80], valid.SelectMany(bytes =>
            Gen.Select(Gen.Int[0, Math.Max(0, bytes.Length - 1)], Gen.Byte).Select((at, value) =>
            {
                var copy = (byte[])bytes.Clone();
                if (copy.Length > 0)
                {
                    copy[at] = value;
                }

                return copy;
            })));
        hostile.Sample(bytes =>
        {
            try
            {
                var reader = new ModelReader(bytes);
                OrSet.Decode(ref reader);
            }
            catch (ModelEncodingException)
            {
            }

            try
            {
                var reader = new ModelReader(bytes);
                PNCounter.Decode(ref reader);
            }
            catch (ModelEncodingException)
            {
            }
        }, iter: 20_000);
    }
}
