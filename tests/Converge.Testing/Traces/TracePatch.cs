namespace Converge.Testing.Traces;

/// <summary>One edit: at <see cref="Position"/> (in Unicode code points), delete <see cref="DeleteCount"/> code points, then insert <see cref="Insert"/>.</summary>
/// <param name="Position">Where, in code points from the start.</param>
/// <param name="DeleteCount">How many code points to delete there.</param>
/// <param name="Insert">What to insert there (may be empty).</param>
public sealed record TracePatch(int Position, int DeleteCount, string Insert);
