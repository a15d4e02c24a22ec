using System.Collections.Immutable;

namespace Converge.Model.Sets;

/// <summary>
/// Removes the tags its replica had observed for an element: only those, so that a concurrent add (a tag the
/// remover had not seen) survives. That is what makes the set add-wins.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public sealed record OrSetRemove<T> : OrSetOperation<T>
{
    /// <summary>Creates the operation; normally made by <see cref="OrSet{T}.PrepareRemove"/>.</summary>
    /// <param name="id">The event id: the removing replica and its next event number.</param>
    /// <param name="tags">The tags removed, each one the remover had applied.</param>
    public OrSetRemove(OrSetTag id, IEnumerable<OrSetTag> tags)
        : base(id)
    {
        ArgumentNullException.ThrowIfNull(tags);
        Tags = tags.ToImmutableSortedSet();
        foreach (var tag in Tags)
        {
            ArgumentException.ThrowIfNullOrEmpty(tag.Replica, nameof(tags));
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tag.Counter, nameof(tags));
        }
    }

    /// <summary>The tags removed, in tag order.</summary>
    public IReadOnlyList<OrSetTag> Tags { get; }

    /// <inheritdoc />
    public bool Equals(OrSetRemove<T>? other) => other is not null && Id == other.Id && Tags.SequenceEqual(other.Tags);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Id, Tags.Count);
}
