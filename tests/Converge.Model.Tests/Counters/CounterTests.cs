using Converge.Model.Counters;
using CsCheck;

namespace Converge.Model.Tests.Counters;

public sealed class CounterTests
{
    private static readonly Gen<string> Replica = Gen.Char['a', 'd'].Select(c => c.ToString());

    private static readonly Gen<GCounter> GCounters =
        Gen.Select(Replica, Gen.Long[0, 100]).Array[0, 12].Select(ops => ops.Aggregate(GCounter.Empty, (c, op) => c.Increment(op.Item1, op.Item2)));

    private static readonly Gen<PNCounter> PNCounters =
        Gen.Select(Replica, Gen.Long[-100, 100]).Array[0, 12].Select(ops => ops.Aggregate(PNCounter.Empty, (c, op) => c.Add(op.Item1, op.Item2)));

    [Fact]
    public void GCounter_merge_is_commutative_associative_and_idempotent() =>
        Gen.Select(GCounters, GCounters, GCounters).Sample((a, b, c) =>
            a.Merge(b).Equals(b.Merge(a)) && a.Merge(b).Merge(c).Equals(a.Merge(b.Merge(c))) && a.Merge(a).Equals(a), iter: 1000);

    [Fact]
    public void PNCounter_merge_is_commutative_associative_and_idempotent() =>
        Gen.Select(PNCounters, PNCounters, PNCounters).Sample((a, b, c) =>
            a.Merge(b) == b.Merge(a) && a.Merge(b).Merge(c) == a.Merge(b.Merge(c)) && a.Merge(a) == a, iter: 1000);

    [Fact]
    public void Replicas_counting_concurrently__converge_on_the_sum_of_all_increments_and_decrements()
    {
        Gen.Select(Gen.Int[0, 2], Gen.Long[-50, 50]).Array[0, 40].Sample(ops =>
        {
            var replicas = new[] { PNCounter.Empty, PNCounter.Empty, PNCounter.Empty };
            foreach (var (replica, delta) in ops)
            {
                replicas[replica] = replicas[replica].Add($"r{replica}", delta);
            }

            var merged = replicas[0].Merge(replicas[1]).Merge(replicas[2]);
            return merged.Value == ops.Sum(o => o.Item2) && replicas[2].Merge(replicas[0]).Merge(replicas[1]) == merged;
        }, iter: 1000);
    }

    [Fact]
    public void A_negative_increment__is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => GCounter.Empty.Increment("a", -1));
}
