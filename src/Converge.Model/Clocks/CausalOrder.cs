namespace Converge.Model.Clocks;

/// <summary>How two version vectors relate.</summary>
public enum CausalOrder
{
    /// <summary>Both have seen exactly the same events.</summary>
    Equal,

    /// <summary>The first has seen a strict subset of what the second has: it happened before.</summary>
    Before,

    /// <summary>The first has seen a strict superset: it happened after.</summary>
    After,

    /// <summary>Each has seen something the other has not.</summary>
    Concurrent,
}
