namespace Converge.Model.Text;

/// <summary>
/// The identity of one inserted code point: the replica that typed it and its position in that replica's
/// sequence of inserted code points (0, 1, 2, … with no gaps, deletions do not consume clocks).
/// </summary>
/// <param name="Replica">The replica that inserted the code point.</param>
/// <param name="Clock">The code point's index among every code point that replica ever inserted.</param>
public readonly record struct TextId(string Replica, long Clock);
