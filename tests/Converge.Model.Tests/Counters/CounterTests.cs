using Converge.Model.Counters;
using Converge.Model.Tests.Clocks;
using CsCheck;

namespace Converge.Model.Tests.Counters;

public sealed class CounterTests
{
    private static readonly Gen<(string Replica, long Amount)> Increment = Gen.Select(ClockGen.Node, Gen.Long[1, 1000]);

    private static readonly Gen<(string Replica, long Amount)> Change =
        Gen.Select(ClockGen.Node, Gen.Long[-1000, 1000].Where(static a => a != 0));

    private static readonly Gen<GCounter> GState =
        Increment.Array[0, 12].Select(static incs => incs.Aggregate(GCounter.Empty, static (c, i) => c.Increment(i.Replica, i.Amount)));

    private static readonly Gen<PNCounter> PNState =
        Change.Array[0, 12].Select(static changes => changes.Aggregate(PNCounter.Empty, static (c, i) => c.Add(i.Replica, i.Amount)));

    [Fact]
    public void GCounter_Value__is_the_sum_of_increments()
    {
        Increment.Array[0, 20].Sample(incs =>
        {
            var counter = incs.Aggregate(GCounter.Empty, static (c, i) => c.Increment(i.Replica, i.Amount));
            Assert.Equal(incs.Sum(static i => i.Amount), counter.Value);
        }, iter: EncodingProperties.Iterations);
    }

    [Fact]
    public void GCounter_Merge__is_commutative_associative_and_idempotent()
    {
        MergeProperties.AssertJoin(GState, static (a, b) => a.Merge(b));
    }

    [Fact]
    public void GCounter_deltas_from_several_replicas_in_random_orders_with_duplicates__converge_to_the_sum()
    {
        Gen.Select(Increment.Array[1, 20], Gen.Int[2, 5], Gen.Int).Sample((incs, replicas, seed) =>
        {
            // Each origin produces deltas against its own state, in its own order.
            var origins = new Dictionary<string, GCounter>();
            var deltas = new List<CounterDelta>();
            foreach (var (replica, amount) in incs)
            {
                var origin = origins.GetValueOrDefault(replica, GCounter.Empty);
                var delta = origin.PrepareIncrement(replica, amount);
                origins[replica] = origin.Apply(delta);
                deltas.Add(delta);
            }

            var random = new Random(seed);
            var states = Enumerable.Range(0, replicas).Select(_ =>
                Deliver(deltas, random).Aggregate(GCounter.Empty, static (c, d) => c.Apply(d))).ToList();
            Assert.All(states, s => Assert.Equal(incs.Sum(static i => i.Amount), s.Value));
            Assert.All(states, s => Assert.Equal(states[0], s));
        }, iter: EncodingProperties.Iterations);
    }

    [Fact]
    public void PNCounter_Value__is_the_sum_of_changes()
    {
        Change.Array[0, 20].Sample(changes =>
        {
            var counter = changes.Aggregate(PNCounter.Empty, static (c, i) => c.Add(i.Replica, i.Amount));
            Assert.Equal(changes.Sum(static i => i.Amount), counter.Value);
        }, iter: EncodingProperties.Iterations);
    }

    [Fact]
    public void PNCounter_Merge__is_commutative_associative_and_idempotent()
    {
        MergeProperties.AssertJoin(PNState, static (a, b) => a.Merge(b));
    }

    [Fact]
    public void PNCounter_deltas_in_random_orders_with_duplicates__converge_to_the_sum()
    {
        Gen.Select(Change.Array[1, 20], Gen.Int[2, 5], Gen.Int).Sample((changes, replicas, seed) =>
        {
            var origins = new Dictionary<string, PNCounter>();
            var deltas = new List<PNCounterDelta>();
            foreach (var (replica, amount) in changes)
            {
                var origin = origins.GetValueOrDefault(replica, PNCounter.Empty);
                var delta = origin.PrepareAdd(replica, amount);
                origins[replica] = origin.Apply(delta);
                deltas.Add(delta);
            }

            var random = new Random(seed);
            var states = Enumerable.Range(0, replicas).Select(_ =>
                Deliver(deltas, random).Aggregate(PNCounter.Empty, static (c, d) => c.Apply(d))).ToList();
            Assert.All(states, s => Assert.Equal(changes.Sum(static i => i.Amount), s.Value));
            Assert.All(states, s => Assert.Equal(states[0], s));
        }, iter: EncodingProperties.Iterations);
    }

    [Fact]
    public void Increment_of_non_positive_amount__throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => GCounter.Empty.Increment("a", 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => PNCounter.Empty.Add("a", 0));
        Assert.Throws<OverflowException>(() => GCounter.Empty.Increment("a", long.MaxValue).Increment("a"));
    }

    [Fact]
    public void Encode__round_trips_states_and_deltas()
    {
        Gen.Select(GState, PNState, Increment, Change).Sample((g, pn, inc, change) =>
        {
            Assert.Equal(g, GCounter.Decode(EncodingProperties.Bytes(g.Encode)));
            Assert.Equal(pn, PNCounter.Decode(EncodingProperties.Bytes(pn.Encode)));
            var delta = g.PrepareIncrement(inc.Replica, inc.Amount);
            Assert.Equal(delta, CounterDelta.Decode(EncodingProperties.Bytes(delta.Encode)));
            var pnDelta = pn.PrepareAdd(change.Replica, change.Amount);
            Assert.Equal(pnDelta, PNCounterDelta.Decode(EncodingProperties.Bytes(pnDelta.Encode)));
        }, iter: EncodingProperties.Iterations);
    }

    [Fact]
    public void Decode_of_hostile_bytes__throws_ModelEncodingException_only()
    {
        EncodingProperties.AssertHostileBytesFailCleanly(GState.Select(static g => EncodingProperties.Bytes(g.Encode)), static b => GCounter.Decode(b));
        EncodingProperties.AssertHostileBytesFailCleanly(PNState.Select(static c => EncodingProperties.Bytes(c.Encode)), static b => PNCounter.Decode(b));
        EncodingProperties.AssertHostileBytesFailCleanly(
            Increment.Select(static i => EncodingProperties.Bytes(new CounterDelta(i.Replica, i.Amount).Encode)), static b => CounterDelta.Decode(b));
        EncodingProperties.AssertHostileBytesFailCleanly(
            Increment.Select(static i => EncodingProperties.Bytes(new PNCounterDelta(i.Replica, i.Amount, 3).Encode)), static b => PNCounterDelta.Decode(b));
    }

    private static IEnumerable<T> Deliver<T>(IReadOnlyList<T> ops, Random random) =>
        ops.Concat(ops.Where(_ => random.Next(3) == 0)).OrderBy(_ => random.Next()).ToArray();
}
