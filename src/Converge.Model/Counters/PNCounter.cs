using System.Buffers;
using Converge.Model.Clocks;
using Converge.Model.Encoding;

namespace Converge.Model.Counters;

/// <summary>
/// A counter that goes up and down: two grow-only counters, one of increments and one of decrements; the value is
/// their difference. Immutable.
/// </summary>
/// <remarks>
/// <see cref="Merge"/> merges both halves pointwise (a join). Operations are <see cref="PNCounterDelta"/>s carrying
/// the replica's new totals, applied by maximum, so they converge in any order and with duplicates. Encoding: a
/// format byte (0x32), the increments vector, the decrements vector.
/// </remarks>
public sealed class PNCounter : IEquatable<PNCounter>
{
    private PNCounter(VersionVector increments, VersionVector decrements)
    {
        Increments = increments;
        Decrements = decrements;
    }

    /// <summary>The counter at zero.</summary>
    public static PNCounter Empty { get; } = new(VersionVector.Empty, VersionVector.Empty);

    /// <summary>Each replica's total increments.</summary>
    public VersionVector Increments { get; }

    /// <summary>Each replica's total decrements.</summary>
    public VersionVector Decrements { get; }

    /// <summary>Increments minus decrements.</summary>
    /// <exception cref="OverflowException">The value is outside the range of <see cref="long"/>.</exception>
    public long Value
    {
        get
        {
            Int128 value = 0;
            foreach (var total in Increments.Counters.Values)
            {
                value += total;
            }

            foreach (var total in Decrements.Counters.Values)
            {
                value -= total;
            }

            return checked((long)value);
        }
    }

    /// <summary>The delta that adds <paramref name="amount"/> (negative to subtract) on behalf of <paramref name="replica"/>.</summary>
    /// <param name="replica">The replica (the caller's own id).</param>
    /// <param name="amount">How much to add; non-zero.</param>
    /// <exception cref="OverflowException">The replica's total would exceed <see cref="long.MaxValue"/>.</exception>
    public PNCounterDelta PrepareAdd(string replica, long amount)
    {
        ArgumentException.ThrowIfNullOrEmpty(replica);
        ArgumentOutOfRangeException.ThrowIfZero(amount);
        ArgumentOutOfRangeException.ThrowIfEqual(amount, long.MinValue);
        return amount > 0
            ? new PNCounterDelta(replica, checked(Increments[replica] + amount), Decrements[replica])
            : new PNCounterDelta(replica, Increments[replica], checked(Decrements[replica] - amount));
    }

    /// <summary>Adds <paramref name="amount"/> (negative to subtract) on behalf of <paramref name="replica"/>.</summary>
    /// <param name="replica">The replica.</param>
    /// <param name="amount">How much to add; non-zero.</param>
    public PNCounter Add(string replica, long amount) => Apply(PrepareAdd(replica, amount));

    /// <summary>Applies a delta: raises the replica's totals to the delta's where those are higher.</summary>
    /// <param name="delta">The delta.</param>
    public PNCounter Apply(PNCounterDelta delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        var increments = Increments.With(delta.Replica, delta.Increments);
        var decrements = Decrements.With(delta.Replica, delta.Decrements);
        return ReferenceEquals(increments, Increments) && ReferenceEquals(decrements, Decrements) ? this : new(increments, decrements);
    }

    /// <summary>Merges both halves pointwise.</summary>
    /// <param name="other">The other replica's counter.</param>
    public PNCounter Merge(PNCounter other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(Increments.Merge(other.Increments), Decrements.Merge(other.Decrements));
    }

    /// <summary>Writes the state: format byte, increments, decrements.</summary>
    /// <param name="output">Where bytes go.</param>
    public void Encode(IBufferWriter<byte> output)
    {
        var writer = new ModelWriter(output);
        writer.WriteByte(ModelFormat.PNCounterV1);
        Increments.Encode(ref writer);
        Decrements.Encode(ref writer);
    }

    /// <summary>Reads a state written by <see cref="Encode"/>.</summary>
    /// <param name="bytes">The encoding, exactly.</param>
    /// <exception cref="ModelEncodingException">The bytes are not a valid counter.</exception>
    public static PNCounter Decode(ReadOnlySpan<byte> bytes)
    {
        var reader = new ModelReader(bytes);
        ModelFormat.Expect(ref reader, ModelFormat.PNCounterV1, "a PN-Counter");
        var increments = VersionVector.Decode(ref reader);
        var decrements = VersionVector.Decode(ref reader);
        reader.ExpectEnd();
        return new(increments, decrements);
    }

    /// <inheritdoc />
    public bool Equals(PNCounter? other) =>
        other is not null && Increments.Equals(other.Increments) && Decrements.Equals(other.Decrements);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as PNCounter);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Increments, Decrements);
}
