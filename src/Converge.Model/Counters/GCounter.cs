using Converge.Model.Clocks;
using Converge.Model.Encoding;

namespace Converge.Model.Counters;

/// <summary>
/// A grow-only counter: each replica counts its own increments; the value is the sum. The per-replica counts merge by
/// pointwise maximum, which is exactly a <see cref="VersionVector"/>, so that is what holds them: commutative,
/// associative and idempotent. Immutable.
/// </summary>
public sealed class GCounter : IEquatable<GCounter>
{
    private readonly VersionVector _counts;

    private GCounter(VersionVector counts) => _counts = counts;

    /// <summary>The counter at zero.</summary>
    public static GCounter Empty { get; } = new(VersionVector.Empty);

    /// <summary>The sum over all replicas.</summary>
    public long Value => _counts.Counters.Values.Sum();

    /// <summary>Each replica's own count.</summary>
    public IReadOnlyDictionary<string, long> Counts => _counts.Counters;

    /// <summary>This counter with <paramref name="amount"/> more counted by <paramref name="replica"/>.</summary>
    /// <param name="replica">The replica counting (the caller's own id).</param>
    /// <param name="amount">How much; never negative (use <see cref="PNCounter"/> to count down).</param>
    /// <exception cref="ArgumentOutOfRangeException">The amount is negative, or the count would overflow.</exception>
    public GCounter Increment(string replica, long amount = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(replica);
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        var current = _counts[replica];
        return current > long.MaxValue - amount
            ? throw new ArgumentOutOfRangeException(nameof(amount), "The count would overflow.")
            : new(_counts.With(replica, current + amount));
    }

    /// <summary>What both replicas have counted: the per-replica maximum.</summary>
    /// <param name="other">The other replica's counter.</param>
    public GCounter Merge(GCounter other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(_counts.Merge(other._counts));
    }

    /// <summary>Writes the state: the per-replica counts as a version vector.</summary>
    /// <param name="writer">The writer.</param>
    public void Encode(ref ModelWriter writer) => _counts.Encode(ref writer);

    /// <summary>Reads a state written by <see cref="Encode"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <exception cref="ModelEncodingException">The bytes are not a valid counter.</exception>
    public static GCounter Decode(ref ModelReader reader) => new(VersionVector.Decode(ref reader));

    /// <inheritdoc />
    public bool Equals(GCounter? other) => other is not null && _counts.Equals(other._counts);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as GCounter);

    /// <inheritdoc />
    public override int GetHashCode() => _counts.GetHashCode();
}
