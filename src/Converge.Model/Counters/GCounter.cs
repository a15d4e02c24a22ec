using System.Collections.Immutable;

namespace Converge.Model.Counters;

/// <summary>
/// A grow-only counter: each replica counts its own increments; the value is the sum; merge takes each replica's
/// maximum, so it is commutative, associative and idempotent. Immutable.
/// </summary>
public sealed class GCounter : IEquatable<GCounter>
{
    private readonly ImmutableSortedDictionary<string, long> _counts;

    private GCounter(ImmutableSortedDictionary<string, long> counts) => _counts = counts;

    /// <summary>The counter at zero.</summary>
    public static GCounter Empty { get; } = new(ImmutableSortedDictionary.Create<string, long>(StringComparer.Ordinal));

    /// <summary>The sum over all replicas.</summary>
    public long Value => _counts.Values.Sum();

    /// <summary>Each replica's own count.</summary>
    public IReadOnlyDictionary<string, long> Counts => _counts;

    /// <summary>This counter with <paramref name="amount"/> more counted by <paramref name="replica"/>.</summary>
    /// <param name="replica">The replica counting (the caller's own id).</param>
    /// <param name="amount">How much; never negative (use <see cref="PNCounter"/> to count down).</param>
    /// <exception cref="ArgumentOutOfRangeException">The amount is negative, or the count would overflow.</exception>
    public GCounter Increment(string replica, long amount = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(replica);
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        if (amount == 0)
        {
            // A zero entry would make equal counters compare unequal after a merge drops it.
            return this;
        }

        var current = _counts.GetValueOrDefault(replica);
        return current > long.MaxValue - amount
            ? throw new ArgumentOutOfRangeException(nameof(amount), "The count would overflow.")
            : new(_counts.SetItem(replica, current + amount));
    }

    /// <summary>What both replicas have counted: the per-replica maximum.</summary>
    /// <param name="other">The other replica's counter.</param>
    public GCounter Merge(GCounter other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var builder = _counts.ToBuilder();
        foreach (var (replica, count) in other._counts)
        {
            if (count > builder.GetValueOrDefault(replica))
            {
                builder[replica] = count;
            }
        }

        return new(builder.ToImmutable());
    }

    /// <inheritdoc />
    public bool Equals(GCounter? other) =>
        other is not null && _counts.Count == other._counts.Count && _counts.All(c => other._counts.GetValueOrDefault(c.Key) == c.Value);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as GCounter);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_counts.Count, Value);
}
