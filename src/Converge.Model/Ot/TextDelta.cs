using System.Text;

namespace Converge.Model.Ot;

/// <summary>
/// An operational-transformation edit of a text: a list of retain / insert / delete components that walks the whole
/// base text once. Lengths count Unicode code points. Immutable; build one with <see cref="TextDeltaBuilder"/> or
/// <see cref="ForEdit"/>. The algebra (<see cref="Apply"/>, <see cref="Compose"/>, <see cref="Invert"/>,
/// <see cref="Transform"/>) follows the classic ot.js formulation and satisfies TP1 (see docs/model.md).
/// </summary>
public sealed partial class TextDelta : IEquatable<TextDelta>
{
    private readonly TextDeltaComponent[] _components;

    internal TextDelta(TextDeltaComponent[] components, int baseLength, int targetLength)
    {
        _components = components;
        BaseLength = baseLength;
        TargetLength = targetLength;
    }

    /// <summary>The components, in canonical form.</summary>
    public IReadOnlyList<TextDeltaComponent> Components => _components;

    /// <summary>The length, in code points, of the text this delta applies to.</summary>
    public int BaseLength { get; }

    /// <summary>The length, in code points, of the text it produces.</summary>
    public int TargetLength { get; }

    /// <summary>Whether applying this delta changes nothing.</summary>
    public bool IsIdentity => _components.All(static c => c.Kind == TextDeltaComponentKind.Retain);

    /// <summary>The delta that keeps a text of <paramref name="length"/> code points as it is.</summary>
    /// <param name="length">The text's length in code points.</param>
    /// <returns>A retain-only delta.</returns>
    public static TextDelta Identity(int length) => new TextDeltaBuilder().Retain(length).Build();

    /// <summary>The delta of one edit: at <paramref name="position"/>, delete <paramref name="deleteCount"/> code points and insert <paramref name="insert"/>.</summary>
    /// <param name="length">The current text's length in code points.</param>
    /// <param name="position">Where the edit happens, in code points.</param>
    /// <param name="deleteCount">Code points removed there.</param>
    /// <param name="insert">Text inserted there.</param>
    /// <returns>The delta.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The edit does not fit in the text.</exception>
    public static TextDelta ForEdit(int length, int position, int deleteCount, string insert)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfNegative(deleteCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(position, length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(deleteCount, length - position);
        return new TextDeltaBuilder().Retain(position).Insert(insert).Delete(deleteCount).Retain(length - position - deleteCount).Build();
    }

    /// <summary>
    /// A delta that turns <paramref name="from"/> into <paramref name="to"/>: one replacement between their longest common
    /// prefix and suffix (in code points). Not the edits that actually happened (those are ambiguous from two texts
    /// alone) but a correct path between them, for moving local edits across a jump such as a snapshot.
    /// </summary>
    /// <param name="from">The text before.</param>
    /// <param name="to">The text after.</param>
    /// <returns>The delta.</returns>
    public static TextDelta Between(string from, string to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        var before = from.EnumerateRunes().ToArray();
        var after = to.EnumerateRunes().ToArray();
        var prefix = 0;
        while (prefix < before.Length && prefix < after.Length && before[prefix] == after[prefix])
        {
            prefix++;
        }

        var suffix = 0;
        while (suffix < before.Length - prefix && suffix < after.Length - prefix && before[^(suffix + 1)] == after[^(suffix + 1)])
        {
            suffix++;
        }

        var inserted = string.Concat(after.AsSpan(prefix, after.Length - prefix - suffix).ToArray().Select(static r => r.ToString()));
        return ForEdit(before.Length, prefix, before.Length - prefix - suffix, inserted);
    }

    /// <summary>Applies this delta to <paramref name="text"/>.</summary>
    /// <param name="text">A text of exactly <see cref="BaseLength"/> code points.</param>
    /// <returns>The edited text.</returns>
    /// <exception cref="InvalidTextDeltaException">The text's length is not <see cref="BaseLength"/>.</exception>
    public string Apply(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var length = CodePoints.Count(text, nameof(text));
        if (length != BaseLength)
        {
            throw new InvalidTextDeltaException($"The delta applies to {BaseLength} code points; the text has {length}.");
        }

        var result = new StringBuilder(text.Length);
        var at = 0;
        foreach (var component in _components)
        {
            switch (component.Kind)
            {
                case TextDeltaComponentKind.Retain:
                    var end = CodePoints.Advance(text, at, component.Length);
                    result.Append(text, at, end - at);
                    at = end;
                    break;
                case TextDeltaComponentKind.Insert:
                    result.Append(component.Text);
                    break;
                default:
                    at = CodePoints.Advance(text, at, component.Length);
                    break;
            }
        }

        return result.ToString();
    }

    /// <summary>
    /// One delta with the effect of <paramref name="first"/> then <paramref name="second"/>:
    /// <c>Compose(a, b).Apply(s) == b.Apply(a.Apply(s))</c>.
    /// </summary>
    /// <param name="first">Applied first.</param>
    /// <param name="second">Applied to the result of <paramref name="first"/>.</param>
    /// <returns>The composition.</returns>
    /// <exception cref="InvalidTextDeltaException"><paramref name="second"/>'s base length is not <paramref name="first"/>'s target length.</exception>
    public static TextDelta Compose(TextDelta first, TextDelta second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (first.TargetLength != second.BaseLength)
        {
            throw new InvalidTextDeltaException($"Cannot compose: the first delta produces {first.TargetLength} code points, the second applies to {second.BaseLength}.");
        }

        var a = new ComponentCursor(first._components);
        var b = new ComponentCursor(second._components);
        var result = new TextDeltaBuilder();
        while (!a.Done || !b.Done)
        {
            if (!a.Done && a.Kind == TextDeltaComponentKind.Delete)
            {
                result.Add(a.TakeAll());
                continue;
            }

            if (!b.Done && b.Kind == TextDeltaComponentKind.Insert)
            {
                result.Add(b.TakeAll());
                continue;
            }

            var count = Math.Min(a.Remaining, b.Remaining);
            switch (a.Kind, b.Kind)
            {
                case (TextDeltaComponentKind.Retain, TextDeltaComponentKind.Retain):
                    result.Retain(count);
                    a.Take(count);
                    break;
                case (TextDeltaComponentKind.Retain, TextDeltaComponentKind.Delete):
                    result.Delete(count);
                    a.Take(count);
                    break;
                case (TextDeltaComponentKind.Insert, TextDeltaComponentKind.Retain):
                    result.Add(a.Take(count));
                    break;
                default:
                    // Inserted by the first, deleted by the second: neither survives.
                    a.Take(count);
                    break;
            }

            b.Take(count);
        }

        return result.Build();
    }

    /// <summary>The delta that undoes this one: <c>d.Invert(s).Apply(d.Apply(s)) == s</c>.</summary>
    /// <param name="baseText">The text this delta was applied to (the deleted text comes from it).</param>
    /// <returns>The inverse.</returns>
    /// <exception cref="InvalidTextDeltaException">The text's length is not <see cref="BaseLength"/>.</exception>
    public TextDelta Invert(string baseText)
    {
        ArgumentNullException.ThrowIfNull(baseText);
        var length = CodePoints.Count(baseText, nameof(baseText));
        if (length != BaseLength)
        {
            throw new InvalidTextDeltaException($"The delta applies to {BaseLength} code points; the text has {length}.");
        }

        var inverse = new TextDeltaBuilder();
        var at = 0;
        foreach (var component in _components)
        {
            switch (component.Kind)
            {
                case TextDeltaComponentKind.Retain:
                    inverse.Add(component);
                    at = CodePoints.Advance(baseText, at, component.Length);
                    break;
                case TextDeltaComponentKind.Insert:
                    inverse.Delete(component.Length);
                    break;
                default:
                    var end = CodePoints.Advance(baseText, at, component.Length);
                    inverse.Add(new TextDeltaComponent(TextDeltaComponentKind.Insert, component.Length, baseText[at..end]));
                    at = end;
                    break;
            }
        }

        return inverse.Build();
    }

    /// <summary>
    /// Transforms two concurrent deltas on the same text against each other (TP1):
    /// <c>right'.Apply(left.Apply(s)) == left'.Apply(right.Apply(s))</c>.
    /// </summary>
    /// <param name="left">One delta.</param>
    /// <param name="right">The other, on the same base text.</param>
    /// <param name="tieBreak">Whose insertion goes first when both insert at one position.</param>
    /// <returns><c>Left</c>: <paramref name="left"/> rebased onto <paramref name="right"/>; <c>Right</c>: <paramref name="right"/> rebased onto <paramref name="left"/>.</returns>
    /// <exception cref="InvalidTextDeltaException">The deltas apply to texts of different lengths.</exception>
    public static (TextDelta Left, TextDelta Right) Transform(TextDelta left, TextDelta right, TieBreak tieBreak)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        if (left.BaseLength != right.BaseLength)
        {
            throw new InvalidTextDeltaException($"Cannot transform deltas on texts of {left.BaseLength} and {right.BaseLength} code points.");
        }

        var a = new ComponentCursor(left._components);
        var b = new ComponentCursor(right._components);
        var leftPrime = new TextDeltaBuilder();
        var rightPrime = new TextDeltaBuilder();
        while (!a.Done || !b.Done)
        {
            var leftInserts = !a.Done && a.Kind == TextDeltaComponentKind.Insert;
            var rightInserts = !b.Done && b.Kind == TextDeltaComponentKind.Insert;
            if (leftInserts && (!rightInserts || tieBreak == TieBreak.LeftFirst))
            {
                var insert = a.TakeAll();
                leftPrime.Add(insert);
                rightPrime.Retain(insert.Length);
                continue;
            }

            if (rightInserts)
            {
                var insert = b.TakeAll();
                leftPrime.Retain(insert.Length);
                rightPrime.Add(insert);
                continue;
            }

            // Equal base lengths: when neither inserts, both still have base text to walk.
            var count = Math.Min(a.Remaining, b.Remaining);
            switch (a.Kind, b.Kind)
            {
                case (TextDeltaComponentKind.Retain, TextDeltaComponentKind.Retain):
                    leftPrime.Retain(count);
                    rightPrime.Retain(count);
                    break;
                case (TextDeltaComponentKind.Delete, TextDeltaComponentKind.Retain):
                    leftPrime.Delete(count);
                    break;
                case (TextDeltaComponentKind.Retain, TextDeltaComponentKind.Delete):
                    rightPrime.Delete(count);
                    break;
            }

            a.Take(count);
            b.Take(count);
        }

        return (leftPrime.Build(), rightPrime.Build());
    }

    /// <inheritdoc/>
    public bool Equals(TextDelta? other) =>
        other is not null && BaseLength == other.BaseLength && _components.AsSpan().SequenceEqual(other._components);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as TextDelta);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(BaseLength);
        foreach (var component in _components)
        {
            hash.Add(component);
        }

        return hash.ToHashCode();
    }

    /// <inheritdoc/>
    public override string ToString() => $"[{string.Join(", ", _components)}]";
}
