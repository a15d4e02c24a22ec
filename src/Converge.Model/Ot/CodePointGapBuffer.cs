using System.Text;

namespace Converge.Model.Ot;

/// <summary>
/// A text as code points with a movable gap at the last edit. Editing sessions edit near where they last did, so
/// applying a delta moves little memory, where rebuilding a string would copy the whole text for every keystroke.
/// </summary>
internal sealed class CodePointGapBuffer
{
    private int[] _buffer;
    private int _gapStart;
    private int _gapEnd;

    public CodePointGapBuffer(string text)
    {
        var codePoints = new List<int>(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            codePoints.Add(rune.Value);
        }

        _buffer = new int[Math.Max(16, codePoints.Count * 2)];
        codePoints.CopyTo(_buffer);
        _gapStart = codePoints.Count;
        _gapEnd = _buffer.Length;
    }

    public int Length => _buffer.Length - (_gapEnd - _gapStart);

    /// <summary>Applies <paramref name="delta"/>, whose base length must already have been checked.</summary>
    public void Apply(TextDelta delta)
    {
        var position = 0;
        foreach (var component in delta.Components)
        {
            switch (component.Kind)
            {
                case TextDeltaComponentKind.Retain:
                    position += component.Length;
                    break;
                case TextDeltaComponentKind.Insert:
                    MoveGapTo(position);
                    EnsureGap(component.Length);
                    foreach (var rune in component.Text!.EnumerateRunes())
                    {
                        _buffer[_gapStart++] = rune.Value;
                    }

                    position += component.Length;
                    break;
                default:
                    MoveGapTo(position);
                    _gapEnd += component.Length;
                    break;
            }
        }
    }

    public override string ToString()
    {
        var builder = new StringBuilder(Length);
        CodePoints.AppendTo(builder, _buffer.AsSpan(0, _gapStart));
        CodePoints.AppendTo(builder, _buffer.AsSpan(_gapEnd));
        return builder.ToString();
    }

    private void MoveGapTo(int position)
    {
        if (position < _gapStart)
        {
            var count = _gapStart - position;
            Array.Copy(_buffer, position, _buffer, _gapEnd - count, count);
            _gapStart -= count;
            _gapEnd -= count;
        }
        else if (position > _gapStart)
        {
            var count = position - _gapStart;
            Array.Copy(_buffer, _gapEnd, _buffer, _gapStart, count);
            _gapStart += count;
            _gapEnd += count;
        }
    }

    private void EnsureGap(int count)
    {
        if (_gapEnd - _gapStart >= count)
        {
            return;
        }

        var tail = _buffer.Length - _gapEnd;
        var grown = new int[Math.Max(_buffer.Length * 2, Length + count + 16)];
        Array.Copy(_buffer, grown, _gapStart);
        Array.Copy(_buffer, _gapEnd, grown, grown.Length - tail, tail);
        _gapEnd = grown.Length - tail;
        _buffer = grown;
    }
}
