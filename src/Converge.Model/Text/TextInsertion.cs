namespace Converge.Model.Text;

/// <summary>
/// Inserts <see cref="Text"/> between two existing code points: after <see cref="Origin"/> and before
/// <see cref="RightOrigin"/> (YATA's origins; <c>null</c> means the start or the end of the document).
/// The inserted code points get the ids <see cref="Clock"/>, <see cref="Clock"/> + 1, … of <see cref="TextOperation.Replica"/>.
/// </summary>
public sealed class TextInsertion : TextOperation
{
    /// <summary>Creates an insertion.</summary>
    /// <param name="replica">The inserting replica.</param>
    /// <param name="sequence">The operation's number among the replica's operations.</param>
    /// <param name="clock">The id clock of the first inserted code point.</param>
    /// <param name="origin">The code point the text was typed after, or <c>null</c> for the start.</param>
    /// <param name="rightOrigin">The code point the text was typed before, or <c>null</c> for the end.</param>
    /// <param name="text">The inserted text, not empty.</param>
    public TextInsertion(string replica, long sequence, long clock, TextId? origin, TextId? rightOrigin, string text)
        : base(replica, sequence)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(clock);
        ArgumentException.ThrowIfNullOrEmpty(text);
        Clock = clock;
        Origin = origin;
        RightOrigin = rightOrigin;
        Text = text;
    }

    /// <summary>The id clock of the first inserted code point.</summary>
    public long Clock { get; }

    /// <summary>The code point the text was typed after (always a visible one at the time), or <c>null</c> for the start.</summary>
    public TextId? Origin { get; }

    /// <summary>The code point the text was typed before (always a visible one at the time), or <c>null</c> for the end.</summary>
    public TextId? RightOrigin { get; }

    /// <summary>The inserted text.</summary>
    public string Text { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Replica}#{Sequence} insert {Clock}+\"{Text}\" after {Origin} before {RightOrigin}";
}
