namespace Converge.Model.Ot;

/// <summary>One step of a <see cref="TextDelta"/>: retain, insert or delete, measured in Unicode code points.</summary>
/// <param name="Kind">What the step does.</param>
/// <param name="Length">How many code points it retains, inserts or deletes; always positive.</param>
/// <param name="Text">The inserted text for <see cref="TextDeltaComponentKind.Insert"/>; <see langword="null"/> otherwise.</param>
public readonly record struct TextDeltaComponent(TextDeltaComponentKind Kind, int Length, string? Text)
{
    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        TextDeltaComponentKind.Retain => $"retain {Length}",
        TextDeltaComponentKind.Delete => $"delete {Length}",
        _ => $"insert \"{Text}\"",
    };
}
