namespace Converge.Model.Ot;

/// <summary>
/// Walks a delta's components and hands out pieces of them, so that transform and compose can consume two deltas
/// at different granularities (a retain of 10 against a delete of 3, then 7).
/// </summary>
internal struct ComponentCursor(IReadOnlyList<TextDeltaComponent> components)
{
    private int _index;
    private int _offset;
    private int _charOffset;

    public readonly bool Done => _index >= components.Count;

    public readonly TextDeltaComponentKind Kind => components[_index].Kind;

    /// <summary>Code points left in the current component.</summary>
    public readonly int Remaining => components[_index].Length - _offset;

    public TextDeltaComponent Take(int count)
    {
        var current = components[_index];
        TextDeltaComponent piece;
        if (current.Kind == TextDeltaComponentKind.Insert)
        {
            var text = current.Text!;
            if (_offset == 0 && count == current.Length)
            {
                piece = current;
            }
            else
            {
                var end = CodePoints.Advance(text, _charOffset, count);
                piece = new TextDeltaComponent(TextDeltaComponentKind.Insert, count, text[_charOffset..end]);
                _charOffset = end;
            }
        }
        else
        {
            piece = current with { Length = count };
        }

        _offset += count;
        if (_offset == current.Length)
        {
            _index++;
            _offset = 0;
            _charOffset = 0;
        }

        return piece;
    }

    public TextDeltaComponent TakeAll() => Take(Remaining);
}
