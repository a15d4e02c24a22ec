using Converge.Model.Encoding;

namespace Converge.Model.Counters;

/// <summary>
/// A counter that goes up and down (votes, stock): two <see cref="GCounter"/>s, one for increments and one for
/// decrements; the value is their difference. Merge is commutative, associative and idempotent. Immutable.
/// </summary>
/// <param name="Increments">Everything counted up.</param>
/// <param name="Decrements">Everything counted down.</param>
public sealed record PNCounter(GCounter Increments, GCounter Decrements)
{
    /// <summary>The counter at zero.</summary>
    public static PNCounter Empty { get; } = new(GCounter.Empty, GCounter.Empty);

    /// <summary>Increments minus decrements.</summary>
    public long Value => Increments.Value - Decrements.Value;

    /// <summary>This counter moved by <paramref name="delta"/> (either sign) by <paramref name="replica"/>.</summary>
    /// <param name="replica">The replica counting (the caller's own id).</param>
    /// <param name="delta">How much, up or down.</param>
    public PNCounter Add(string replica, long delta) => delta switch
    {
        >= 0 => this with { Increments = Increments.Increment(replica, delta) },
        long.MinValue => throw new ArgumentOutOfRangeException(nameof(delta), "The delta is out of range."),
        _ => this with { Decrements = Decrements.Increment(replica, -delta) },
    };

    /// <summary>Writes the state: increments, then decrements.</summary>
    /// <param name="writer">The writer.</param>
    public void Encode(ref ModelWriter writer)
    {
        Increments.Encode(ref writer);
        Decrements.Encode(ref writer);
    }

    /// <summary>Reads a state written by <see cref="Encode"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <exception cref="ModelEncodingException">The bytes are not a valid counter.</exception>
    public static PNCounter Decode(ref ModelReader reader) => new(GCounter.Decode(ref reader), GCounter.Decode(ref reader));

    /// <summary>What both replicas have counted.</summary>
    /// <param name="other">The other replica's counter.</param>
    public PNCounter Merge(PNCounter other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(Increments.Merge(other.Increments), Decrements.Merge(other.Decrements));
    }
}
