using System.Globalization;

namespace Converge.Model.Sets;

/// <summary>
/// The unique id of one event in an <see cref="OrSet{T}"/>: the replica that made it and that replica's event
/// number (1, 2, 3, …). An add's id is the tag it attaches to its element. Ordered by replica (ordinal), then
/// counter.
/// </summary>
/// <param name="Replica">The replica that made the event.</param>
/// <param name="Counter">Its event number at that replica, from 1.</param>
public readonly record struct OrSetTag(string Replica, long Counter) : IComparable<OrSetTag>
{
    /// <inheritdoc />
    public int CompareTo(OrSetTag other)
    {
        var byReplica = string.CompareOrdinal(Replica, other.Replica);
        return byReplica != 0 ? byReplica : Counter.CompareTo(other.Counter);
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Replica}:{Counter}");

    /// <summary>Whether <paramref name="left"/> sorts before <paramref name="right"/>.</summary>
    /// <param name="left">The left tag.</param>
    /// <param name="right">The right tag.</param>
    public static bool operator <(OrSetTag left, OrSetTag right) => left.CompareTo(right) < 0;

    /// <summary>Whether <paramref name="left"/> sorts after <paramref name="right"/>.</summary>
    /// <param name="left">The left tag.</param>
    /// <param name="right">The right tag.</param>
    public static bool operator >(OrSetTag left, OrSetTag right) => left.CompareTo(right) > 0;

    /// <summary>Whether <paramref name="left"/> sorts before or equals <paramref name="right"/>.</summary>
    /// <param name="left">The left tag.</param>
    /// <param name="right">The right tag.</param>
    public static bool operator <=(OrSetTag left, OrSetTag right) => left.CompareTo(right) <= 0;

    /// <summary>Whether <paramref name="left"/> sorts after or equals <paramref name="right"/>.</summary>
    /// <param name="left">The left tag.</param>
    /// <param name="right">The right tag.</param>
    public static bool operator >=(OrSetTag left, OrSetTag right) => left.CompareTo(right) >= 0;
}
