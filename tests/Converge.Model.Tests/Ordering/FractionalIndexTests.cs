using Converge.Model.Ordering;
using CsCheck;

namespace Converge.Model.Tests.Ordering;

public sealed class FractionalIndexTests
{
    [Fact]
    public void Inserting_anywhere_in_any_order__keeps_every_key_strictly_between_its_neighbours()
    {
        Gen.Int[0, 1000].Array[1, 80].Sample(positions =>
        {
            var keys = new List<string>();
            foreach (var position in positions)
            {
                var at = position % (keys.Count + 1);
                var key = FractionalIndex.Between(at == 0 ? null : keys[at - 1], at == keys.Count ? null : keys[at]);
                if (!FractionalIndex.IsValid(key))
                {
                    return false;
                }

                keys.Insert(at, key);
            }

            return keys.Zip(keys.Skip(1)).All(pair => string.CompareOrdinal(pair.First, pair.Second) < 0);
        }, iter: 1000);
    }

    [Fact]
    public void NBetween__gives_count_keys_in_ascending_order_strictly_inside_the_bounds()
    {
        Gen.Select(Gen.Int[0, 40], Gen.Int[0, 3]).Sample((count, bounds) =>
        {
            var (before, after) = bounds switch
            {
                0 => ((string?)null, (string?)null),
                1 => ("a0", (string?)null),
                2 => ((string?)null, "a0"),
                _ => ("a0", "a1"),
            };
            var keys = FractionalIndex.NBetween(before, after, count);
            var all = new[] { before }.Concat(keys).Append(after).Where(k => k is not null).ToArray();
            return keys.Count == count && all.Zip(all.Skip(1)).All(p => string.CompareOrdinal(p.First, p.Second) < 0);
        }, iter: 1000);
    }

    [Fact]
    public void Two_clients_inserting_at_the_same_spot__never_produce_equal_keys_and_both_stay_in_bounds()
    {
        Gen.Select(Gen.Int[0, int.MaxValue - 1], Gen.Int[0, int.MaxValue - 1], Gen.Int[0, 3]).Sample((seedA, seedB, bounds) =>
        {
            var (before, after) = bounds switch { 0 => ((string?)null, (string?)null), 1 => ("a0", (string?)null), 2 => (null, "a0V"), _ => ("a0", "a0V") };
            var a = FractionalIndex.BetweenUnique(before, after, new Random(seedA));
            var b = FractionalIndex.BetweenUnique(before, after, new Random(seedA == seedB ? seedB + 1 : seedB));
            bool InBounds(string k) => (before is null || string.CompareOrdinal(before, k) < 0) && (after is null || string.CompareOrdinal(k, after) < 0);
            Assert.True(a != b && InBounds(a) && InBounds(b) && FractionalIndex.IsValid(a) && FractionalIndex.IsValid(b), $"{before} < {a}, {b} < {after}");
        }, iter: 1000);
    }

    [Fact]
    public void Keys_stay_short_under_repeated_appends_prepends_and_middle_inserts()
    {
        string? last = null;
        string? first = null;
        for (var i = 0; i < 10_000; i++)
        {
            last = FractionalIndex.Between(last, null);
            first = FractionalIndex.Between(null, first);
        }

        Assert.True(last!.Length <= 4, $"after 10,000 appends: {last}");
        Assert.True(first!.Length <= 4, $"after 10,000 prepends: {first}");

        // Always inserting right after the same key is the worst case: the fraction grows by one digit every few inserts.
        var left = "a0";
        var right = "a1";
        for (var i = 0; i < 1_000; i++)
        {
            right = FractionalIndex.Between(left, right);
        }

        Assert.True(right.Length < 200, $"1,000 inserts at one spot: {right.Length} characters");
    }

    [Theory]
    [InlineData("a1", "a0")]
    [InlineData("a0", "a0")]
    [InlineData("", null)]
    [InlineData("a00", null)]
    [InlineData("b0", null)]
    [InlineData("a0!", null)]
    public void Bad_keys_or_reversed_bounds__are_refused_with_a_clear_error(string? before, string? after) =>
        Assert.Throws<ArgumentException>(() => FractionalIndex.Between(before, after));
}
