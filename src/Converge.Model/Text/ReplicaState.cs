namespace Converge.Model.Text;

/// <summary>What a <see cref="CrdtText"/> knows of one replica: its operations integrated, its inserted code points and its items by clock.</summary>
internal sealed class ReplicaState(string name, int index)
{
    public string Name { get; } = name;

    /// <summary>The replica's number in this document (local: numbers differ between replicas; order by <see cref="Name"/>).</summary>
    public int Index { get; } = index;

    /// <summary>How many of the replica's operations are integrated: its version vector entry.</summary>
    public long Sequence { get; set; }

    /// <summary>The replica's sequence when the document was loaded from an encoded state (for compaction stamps).</summary>
    public long LoadedSequence { get; set; }

    /// <summary>Every code point the replica inserted; <see cref="CodePointBuffer.Count"/> is its next clock.</summary>
    public CodePointBuffer Content { get; } = new();

    public RunIndex Runs { get; } = new();

    public int NextClock => Content.Count;
}
