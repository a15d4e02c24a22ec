using System.Collections.Immutable;
using Converge.Model.Encoding;

namespace Converge.Model.Clocks;

/// <summary>
/// A version vector: for each replica, the number of its events seen. Compares causally
/// (<see cref="CausalOrder"/>) and merges by pointwise maximum. Immutable.
/// </summary>
public sealed class VersionVector : IEquatable<VersionVector>
{
    private const int MaxEncodedReplicas = 1 << 20;

    private readonly ImmutableSortedDictionary<string, long> _counters;

    private VersionVector(ImmutableSortedDictionary<string, long> counters) => _counters = counters;

    /// <summary>The vector that has seen nothing.</summary>
    public static VersionVector Empty { get; } = new(ImmutableSortedDictionary.Create<string, long>(StringComparer.Ordinal));

    /// <summary>Each replica with a non-zero counter, in ordinal order of replica id.</summary>
    public IReadOnlyDictionary<string, long> Counters => _counters;

    /// <summary>The counter of <paramref name="replica"/> (0 when absent).</summary>
    /// <param name="replica">The replica id.</param>
    public long this[string replica] => _counters.GetValueOrDefault(replica);

    /// <summary>This vector with <paramref name="replica"/>'s counter increased by one.</summary>
    /// <param name="replica">The replica id.</param>
    public VersionVector Increment(string replica)
    {
        ArgumentException.ThrowIfNullOrEmpty(replica);
        return new(_counters.SetItem(replica, this[replica] + 1));
    }

    /// <summary>This vector with <paramref name="replica"/>'s counter raised to at least <paramref name="counter"/>.</summary>
    /// <param name="replica">The replica id.</param>
    /// <param name="counter">The counter to reach; never lowers it.</param>
    public VersionVector With(string replica, long counter)
    {
        ArgumentException.ThrowIfNullOrEmpty(replica);
        ArgumentOutOfRangeException.ThrowIfNegative(counter);
        return counter <= this[replica] ? this : new(_counters.SetItem(replica, counter));
    }

    /// <summary>The pointwise maximum: what either has seen. Commutative, associative, idempotent.</summary>
    /// <param name="other">The other vector.</param>
    public VersionVector Merge(VersionVector other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var builder = _counters.ToBuilder();
        foreach (var (replica, counter) in other._counters)
        {
            if (counter > builder.GetValueOrDefault(replica))
            {
                builder[replica] = counter;
            }
        }

        return new(builder.ToImmutable());
    }

    /// <summary>The pointwise minimum: what both have seen (used for the causal-stability frontier).</summary>
    /// <param name="other">The other vector.</param>
    public VersionVector Meet(VersionVector other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var builder = ImmutableSortedDictionary.CreateBuilder<string, long>(StringComparer.Ordinal);
        foreach (var (replica, counter) in _counters)
        {
            var min = Math.Min(counter, other[replica]);
            if (min > 0)
            {
                builder[replica] = min;
            }
        }

        return new(builder.ToImmutable());
    }

    /// <summary>How this vector relates causally to <paramref name="other"/>.</summary>
    /// <param name="other">The other vector.</param>
    public CausalOrder Compare(VersionVector other)
    {
        ArgumentNullException.ThrowIfNull(other);
        bool less = false, greater = false;
        foreach (var replica in _counters.Keys.Union(other._counters.Keys, StringComparer.Ordinal))
        {
            var (mine, theirs) = (this[replica], other[replica]);
            less |= mine < theirs;
            greater |= mine > theirs;
        }

        return (less, greater) switch
        {
            (false, false) => CausalOrder.Equal,
            (true, false) => CausalOrder.Before,
            (false, true) => CausalOrder.After,
            _ => CausalOrder.Concurrent,
        };
    }

    /// <summary>Whether this vector has seen every event <paramref name="other"/> has (after or equal).</summary>
    /// <param name="other">The other vector.</param>
    public bool Dominates(VersionVector other) => Compare(other) is CausalOrder.After or CausalOrder.Equal;

    /// <summary>Writes the vector: a count, then (replica, counter) pairs in ordinal order.</summary>
    /// <param name="writer">The writer.</param>
    public void Encode(ref ModelWriter writer)
    {
        writer.WriteVarUInt((ulong)_counters.Count);
        foreach (var (replica, counter) in _counters)
        {
            writer.WriteString(replica);
            writer.WriteVarUInt((ulong)counter);
        }
    }

    /// <summary>Reads a vector written by <see cref="Encode"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <exception cref="ModelEncodingException">The bytes are not a valid vector.</exception>
    public static VersionVector Decode(ref ModelReader reader)
    {
        var count = reader.ReadCount(Math.Min(MaxEncodedReplicas, reader.Remaining / 2), "a version vector's size");
        var builder = ImmutableSortedDictionary.CreateBuilder<string, long>(StringComparer.Ordinal);
        string? previous = null;
        for (var i = 0; i < count; i++)
        {
            var replica = reader.ReadString(1024);
            if (replica.Length == 0 || (previous is not null && string.CompareOrdinal(previous, replica) >= 0))
            {
                throw reader.Fail("version vector replicas must be non-empty and strictly ascending");
            }

            var counter = reader.ReadVarUInt();
            if (counter is 0 or > long.MaxValue)
            {
                throw reader.Fail($"version vector counter {counter} is out of range");
            }

            builder[replica] = (long)counter;
            previous = replica;
        }

        return new(builder.ToImmutable());
    }

    /// <inheritdoc />
    public bool Equals(VersionVector? other) => other is not null && Compare(other) == CausalOrder.Equal;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as VersionVector);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var (replica, counter) in _counters)
        {
            hash.Add(replica, StringComparer.Ordinal);
            hash.Add(counter);
        }

        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString() => "{" + string.Join(", ", _counters.Select(static c => $"{c.Key}:{c.Value}")) + "}";
}
