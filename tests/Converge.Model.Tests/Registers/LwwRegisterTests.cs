using Converge.Model.Clocks;
using Converge.Model.Encoding;
using Converge.Model.Registers;
using Converge.Model.Tests.Clocks;
using CsCheck;

namespace Converge.Model.Tests.Registers;

public sealed class LwwRegisterTests
{
    // The value is a function of the timestamp: a timestamp names one write, so equal stamps carry equal values.
    private static readonly Gen<LwwRegister<string>> Register =
        ClockGen.Timestamp.Select(static t => new LwwRegister<string>("v" + t, t));

    [Fact]
    public void Set__keeps_the_later_write()
    {
        var register = new LwwRegister<string>("initial", HlcTimestamp.Zero)
            .Set("second", new HlcTimestamp(2, 0, "a"))
            .Set("first", new HlcTimestamp(1, 0, "b"));

        Assert.Equal("second", register.Value);
    }

    [Fact]
    public void Merge_of_writes_with_equal_time__is_won_by_the_greater_node_id_on_both_sides()
    {
        var a = new LwwRegister<string>("from a", new HlcTimestamp(5, 1, "a"));
        var b = new LwwRegister<string>("from b", new HlcTimestamp(5, 1, "b"));

        Assert.Equal("from b", a.Merge(b).Value);
        Assert.Equal("from b", b.Merge(a).Value);
    }

    [Fact]
    public void Merge__is_commutative_associative_and_idempotent()
    {
        MergeProperties.AssertJoin(Register, static (a, b) => a.Merge(b));
    }

    [Fact]
    public void Set_operations_in_random_orders_with_duplicates__converge()
    {
        Gen.Select(Register.Array[1, 12], Gen.Int[2, 5], Gen.Int).Sample((writes, replicas, seed) =>
        {
            var random = new Random(seed);
            var expected = writes.Aggregate(new LwwRegister<string>("", HlcTimestamp.Zero), static (r, w) => r.Set(w.Value, w.Timestamp));
            for (var i = 0; i < replicas; i++)
            {
                var delivery = writes.Concat(writes.Where(_ => random.Next(3) == 0)).OrderBy(_ => random.Next()).ToArray();
                var state = delivery.Aggregate(new LwwRegister<string>("", HlcTimestamp.Zero), static (r, w) => r.Set(w.Value, w.Timestamp));
                Assert.Equal(expected, state);
            }
        }, iter: EncodingProperties.Iterations);
    }

    [Fact]
    public void Encode__round_trips()
    {
        Gen.OneOf(Register, ClockGen.AnyTimestamp.Select(static t => new LwwRegister<string>("any ✓", t))).Sample(r =>
        {
            Assert.Equal(r, LwwRegister.Decode(Encode(r), ModelCodecs.String));
        }, iter: EncodingProperties.Iterations);
    }

    [Fact]
    public void Decode_of_hostile_bytes__throws_ModelEncodingException_only()
    {
        EncodingProperties.AssertHostileBytesFailCleanly(Register.Select(Encode), static bytes => LwwRegister.Decode(bytes, ModelCodecs.String));
        EncodingProperties.AssertHostileBytesFailCleanly(
            ClockGen.Timestamp.Select(static t => EncodingProperties.Bytes(o => new LwwRegister<bool>(true, t).Encode(o, ModelCodecs.Boolean))),
            static bytes => LwwRegister.Decode(bytes, ModelCodecs.Boolean));
    }

    private static byte[] Encode(LwwRegister<string> register) => EncodingProperties.Bytes(o => register.Encode(o, ModelCodecs.String));
}
