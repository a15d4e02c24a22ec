using CsCheck;

namespace Converge.Model.Tests;

/// <summary>The join laws every state-based merge must satisfy, as one reusable CsCheck property.</summary>
internal static class MergeProperties
{
    /// <summary>Merge is commutative, associative and idempotent over 1,000 generated independent states.</summary>
    public static void AssertJoin<T>(Gen<T> states, Func<T, T, T> merge) => AssertJoin(Gen.Select(states, states, states), merge);

    /// <summary>The same over 1,000 generated triples, for types whose states must come from one history.</summary>
    public static void AssertJoin<T>(Gen<(T, T, T)> triples, Func<T, T, T> merge) =>
        triples.Sample(t =>
        {
            var (a, b, c) = t;
            Assert.Equal(merge(a, b), merge(b, a));
            Assert.Equal(merge(merge(a, b), c), merge(a, merge(b, c)));
            Assert.Equal(a, merge(a, a));
        }, iter: EncodingProperties.Iterations);
}
