using System.Buffers;
using Converge.Model.Clocks;
using Converge.Model.Encoding;

namespace Converge.Model.Counters;

/// <summary>
/// A grow-only counter: each replica counts its own increments, and the value is the sum. Immutable.
/// </summary>
/// <remarks>
/// The state is a <see cref="VersionVector"/> of per-replica totals. <see cref="Merge"/> is the pointwise maximum
/// (a join). Operations are deltas that carry the replica's new total rather than the amount added
/// (<see cref="CounterDelta"/>), so applying one is also a maximum: duplicates and reordering are harmless,
/// where "add 5" would count twice when redelivered. Encoding: a format byte (0x31) and the vector.
/// </remarks>
public sealed class GCounter : IEquatable<GCounter>
{
    private GCounter(VersionVector totals) => Totals = totals;

    /// <summary>The counter at zero.</summary>
    public static GCounter Empty { get; } = new(VersionVector.Empty);

    /// <summary>Each replica's total, as a version vector.</summary>
    public VersionVector Totals { get; }

    /// <summary>The counter's value: the sum of every replica's total.</summary>
    /// <exception cref="OverflowException">The sum exceeds <see cref="long.MaxValue"/>.</exception>
    public long Value => checked(Totals.Counters.Values.Sum());

    /// <summary>The delta that records <paramref name="amount"/> more increments by <paramref name="replica"/>.</summary>
    /// <param name="replica">The incrementing replica (the caller's own id).</param>
    /// <param name="amount">How much to add; positive.</param>
    /// <exception cref="OverflowException">The replica's total would exceed <see cref="long.MaxValue"/>.</exception>
    public CounterDelta PrepareIncrement(string replica, long amount = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(replica);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amount);
        return new CounterDelta(replica, checked(Totals[replica] + amount));
    }

    /// <summary>Increments by <paramref name="amount"/> on behalf of <paramref name="replica"/>.</summary>
    /// <param name="replica">The incrementing replica.</param>
    /// <param name="amount">How much to add; positive.</param>
    public GCounter Increment(string replica, long amount = 1) => Apply(PrepareIncrement(replica, amount));

    /// <summary>Applies a delta: raises the replica's total to the delta's, if that is higher.</summary>
    /// <param name="delta">The delta.</param>
    public GCounter Apply(CounterDelta delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        var totals = Totals.With(delta.Replica, delta.Total);
        return ReferenceEquals(totals, Totals) ? this : new(totals);
    }

    /// <summary>The pointwise maximum of both replicas' totals.</summary>
    /// <param name="other">The other replica's counter.</param>
    public GCounter Merge(GCounter other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(Totals.Merge(other.Totals));
    }

    /// <summary>Writes the state: format byte, then the totals vector.</summary>
    /// <param name="output">Where bytes go.</param>
    public void Encode(IBufferWriter<byte> output)
    {
        var writer = new ModelWriter(output);
        writer.WriteByte(ModelFormat.GCounterV1);
        Totals.Encode(ref writer);
    }

    /// <summary>Reads a state written by <see cref="Encode"/>.</summary>
    /// <param name="bytes">The encoding, exactly.</param>
    /// <exception cref="ModelEncodingException">The bytes are not a valid counter.</exception>
    public static GCounter Decode(ReadOnlySpan<byte> bytes)
    {
        var reader = new ModelReader(bytes);
        ModelFormat.Expect(ref reader, ModelFormat.GCounterV1, "a G-Counter");
        var totals = VersionVector.Decode(ref reader);
        reader.ExpectEnd();
        return new(totals);
    }

    /// <inheritdoc />
    public bool Equals(GCounter? other) => other is not null && Totals.Equals(other.Totals);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as GCounter);

    /// <inheritdoc />
    public override int GetHashCode() => Totals.GetHashCode();
}
