namespace Converge.Model.Ot;

/// <summary>
/// Whose text comes first when two concurrent deltas insert at the same position. Both sides of a transform must
/// use the same choice, or the replicas diverge; the server's history conventionally wins (see <see cref="OtServerDocument"/>).
/// </summary>
public enum TieBreak
{
    /// <summary>The left delta's insertion ends up before the right one's.</summary>
    LeftFirst,

    /// <summary>The right delta's insertion ends up before the left one's.</summary>
    RightFirst,
}
