using Converge.Model.Clocks;

namespace Converge.Model.Registers;

/// <summary>
/// A last-writer-wins register: the value with the latest HLC reading wins, the node id breaking ties
/// (<see cref="HlcTimestamp.CompareTo"/>). Merge is commutative, associative and idempotent. Immutable.
/// </summary>
/// <typeparam name="T">The value type.</typeparam>
/// <param name="Value">The current value.</param>
/// <param name="Timestamp">When it was written.</param>
public sealed record LwwRegister<T>(T Value, HlcTimestamp Timestamp)
{
    /// <summary>This register after a write at <paramref name="timestamp"/>; an older write changes nothing.</summary>
    /// <param name="value">The value written.</param>
    /// <param name="timestamp">When.</param>
    public LwwRegister<T> Set(T value, HlcTimestamp timestamp) => timestamp > Timestamp ? new(value, timestamp) : this;

    /// <summary>The later of the two registers.</summary>
    /// <param name="other">The other replica's register.</param>
    public LwwRegister<T> Merge(LwwRegister<T> other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return other.Timestamp > Timestamp ? other : this;
    }
}
