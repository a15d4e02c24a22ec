namespace Converge.Model.Text;

/// <summary>
/// One run of code points inserted consecutively by one replica and still adjacent in the document: clocks
/// <see cref="Clock"/> … <see cref="Clock"/> + <see cref="Length"/> − 1, all deleted or all visible. Within a run,
/// each code point's origin is the previous one and all share <see cref="RightReplica"/>/<see cref="RightClock"/>,
/// exactly as in a Yjs item, so a run splits anywhere without losing information.
/// A node of the <see cref="ItemTree"/> (splay tree by visible length) and of the document-order list.
/// </summary>
/// <remarks>Fields, not properties: this is the hot data structure and it never leaves the assembly.</remarks>
internal sealed class TextItem
{
    /// <summary>No replica: an origin of the document start or end.</summary>
    public const int None = -1;

    /// <summary>Deletion stamp of items loaded from an encoded state: stable once the loaded version is.</summary>
    public const int LoadedStamp = -2;

    public TextItem? Left;
    public TextItem? Right;
    public TextItem? Parent;
    public TextItem? Prev;
    public TextItem? Next;

    public int Replica;
    public int Clock;
    public int Length;

    /// <summary>Visible code points in this item's splay subtree.</summary>
    public int Weight;

    public bool Deleted;

    public int OriginReplica = None;
    public int OriginClock;
    public int RightReplica = None;
    public int RightClock;

    /// <summary>The replica and operation number of the (first known) deletion: for the compaction stability test.</summary>
    public int DeleteReplica = None;
    public int DeleteSequence;

    public int VisibleLength => Deleted ? 0 : Length;

    public int End => Clock + Length;
}
