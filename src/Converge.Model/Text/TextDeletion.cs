namespace Converge.Model.Text;

/// <summary>Deletes the code points with the given ids (deleting an already deleted code point is a no-op).</summary>
public sealed class TextDeletion : TextOperation
{
    /// <summary>Creates a deletion.</summary>
    /// <param name="replica">The deleting replica.</param>
    /// <param name="sequence">The operation's number among the replica's operations.</param>
    /// <param name="ranges">The id runs deleted, at least one.</param>
    public TextDeletion(string replica, long sequence, IReadOnlyList<TextRange> ranges)
        : base(replica, sequence)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        ArgumentOutOfRangeException.ThrowIfZero(ranges.Count);
        foreach (var range in ranges)
        {
            ArgumentException.ThrowIfNullOrEmpty(range.Start.Replica, nameof(ranges));
            ArgumentOutOfRangeException.ThrowIfNegative(range.Start.Clock, nameof(ranges));
            ArgumentOutOfRangeException.ThrowIfLessThan(range.Length, 1, nameof(ranges));
        }

        Ranges = ranges;
    }

    /// <summary>The id runs deleted.</summary>
    public IReadOnlyList<TextRange> Ranges { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Replica}#{Sequence} delete {string.Join(", ", Ranges)}";
}
