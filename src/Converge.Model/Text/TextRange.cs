namespace Converge.Model.Text;

/// <summary>A run of code points inserted consecutively by one replica: <see cref="Length"/> ids from <see cref="Start"/>.</summary>
/// <param name="Start">The first id of the run.</param>
/// <param name="Length">How many consecutive clocks of <see cref="TextId.Replica"/> the run covers (at least 1).</param>
public readonly record struct TextRange(TextId Start, long Length);
