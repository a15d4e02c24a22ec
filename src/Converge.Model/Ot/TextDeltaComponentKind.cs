namespace Converge.Model.Ot;

/// <summary>What one component of a <see cref="TextDelta"/> does at the current position.</summary>
public enum TextDeltaComponentKind
{
    /// <summary>Keeps the next <see cref="TextDeltaComponent.Length"/> code points.</summary>
    Retain,

    /// <summary>Inserts <see cref="TextDeltaComponent.Text"/> here.</summary>
    Insert,

    /// <summary>Removes the next <see cref="TextDeltaComponent.Length"/> code points.</summary>
    Delete,
}
