namespace Converge.Model.Text;

/// <summary>
/// One change to a <see cref="CrdtText"/>, as sent between replicas: either a <see cref="TextInsertion"/> or a
/// <see cref="TextDeletion"/>. Each replica numbers its operations 1, 2, 3, … (<see cref="Sequence"/>); a
/// replica's version vector entry is the number of that replica's operations it has integrated.
/// </summary>
public abstract class TextOperation
{
    private protected TextOperation(string replica, long sequence)
    {
        ArgumentException.ThrowIfNullOrEmpty(replica);
        ArgumentOutOfRangeException.ThrowIfLessThan(sequence, 1);
        Replica = replica;
        Sequence = sequence;
    }

    /// <summary>The replica that made the change.</summary>
    public string Replica { get; }

    /// <summary>The change's number among its replica's operations, from 1.</summary>
    public long Sequence { get; }
}
