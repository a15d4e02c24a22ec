namespace Converge.Model.Ot;

/// <summary>
/// Builds a <see cref="TextDelta"/> in canonical form: no empty components, neighbours of one kind merged, and an
/// insertion always before a deletion at the same position. Equal edits therefore build equal deltas.
/// </summary>
public sealed class TextDeltaBuilder
{
    private readonly List<TextDeltaComponent> _components = [];
    private long _baseLength;
    private long _targetLength;

    /// <summary>Keeps the next <paramref name="count"/> code points.</summary>
    /// <param name="count">Code points to keep; zero adds nothing.</param>
    /// <returns>This builder.</returns>
    public TextDeltaBuilder Retain(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Add(new TextDeltaComponent(TextDeltaComponentKind.Retain, count, null));
        return this;
    }

    /// <summary>Inserts <paramref name="text"/> at the current position.</summary>
    /// <param name="text">Well-formed UTF-16 text; empty adds nothing.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException">The text has a lone surrogate.</exception>
    public TextDeltaBuilder Insert(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Add(new TextDeltaComponent(TextDeltaComponentKind.Insert, CodePoints.Count(text, nameof(text)), text));
        return this;
    }

    /// <summary>Removes the next <paramref name="count"/> code points.</summary>
    /// <param name="count">Code points to remove; zero adds nothing.</param>
    /// <returns>This builder.</returns>
    public TextDeltaBuilder Delete(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Add(new TextDeltaComponent(TextDeltaComponentKind.Delete, count, null));
        return this;
    }

    /// <summary>The delta built so far.</summary>
    /// <returns>An immutable delta; the builder may go on.</returns>
    /// <exception cref="InvalidOperationException">The delta would span more than <see cref="int.MaxValue"/> code points.</exception>
    public TextDelta Build()
    {
        if (_baseLength > int.MaxValue || _targetLength > int.MaxValue)
        {
            throw new InvalidOperationException("A delta may span at most int.MaxValue code points.");
        }

        return new TextDelta([.. _components], (int)_baseLength, (int)_targetLength);
    }

    /// <summary>Adds a component whose length is already known to match its text.</summary>
    internal TextDeltaBuilder Add(TextDeltaComponent component)
    {
        if (component.Length == 0)
        {
            return this;
        }

        switch (component.Kind)
        {
            case TextDeltaComponentKind.Retain:
                _baseLength += component.Length;
                _targetLength += component.Length;
                break;
            case TextDeltaComponentKind.Delete:
                _baseLength += component.Length;
                break;
            default:
                _targetLength += component.Length;
                AddInsert(component);
                return this;
        }

        if (_components.Count > 0 && _components[^1].Kind == component.Kind)
        {
            _components[^1] = component with { Length = _components[^1].Length + component.Length };
        }
        else
        {
            _components.Add(component);
        }

        return this;
    }

    // Insert-then-delete and delete-then-insert at one spot are the same edit; canonically the insertion goes first.
    private void AddInsert(TextDeltaComponent insert)
    {
        var at = _components.Count;
        if (at > 0 && _components[at - 1].Kind == TextDeltaComponentKind.Delete)
        {
            at--;
        }

        if (at > 0 && _components[at - 1].Kind == TextDeltaComponentKind.Insert)
        {
            var previous = _components[at - 1];
            _components[at - 1] = previous with { Length = previous.Length + insert.Length, Text = previous.Text + insert.Text };
        }
        else
        {
            _components.Insert(at, insert);
        }
    }
}
