namespace Converge.Model.Documents;

/// <summary>
/// Adds <see cref="By"/> to the integer counter at <see cref="Key"/> (absent or not an integer counts as 0).
/// Concurrent increments all count, in any order: the counter of the article's CRDT section, kept by the server's
/// total order instead of per-replica vectors. Results saturate at ±(2⁵³ − 1) so that every JSON reader, JavaScript's
/// included, reads the exact value.
/// </summary>
/// <param name="Key">The counter's key.</param>
/// <param name="By">The amount, positive or negative, at most 2⁵³ − 1 in magnitude.</param>
public sealed record IncrementValue(string Key, long By) : DocumentOperation
{
    /// <summary>The largest magnitude of a counter and of one increment: 2⁵³ − 1.</summary>
    public const long MaxMagnitude = (1L << 53) - 1;

    /// <inheritdoc/>
    public override string? Validate() =>
        base.Validate() ?? (By is > MaxMagnitude or < -MaxMagnitude ? $"An increment of '{Key}' by {By} exceeds ±{MaxMagnitude}." : null);
}
