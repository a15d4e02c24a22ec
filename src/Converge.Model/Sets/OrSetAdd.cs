namespace Converge.Model.Sets;

/// <summary>Adds <see cref="Element"/> under the fresh tag <see cref="OrSetOperation{T}.Id"/>.</summary>
/// <typeparam name="T">The element type.</typeparam>
public sealed record OrSetAdd<T> : OrSetOperation<T>
{
    /// <summary>Creates the operation; normally made by <see cref="OrSet{T}.PrepareAdd"/>.</summary>
    /// <param name="id">The event id and tag: the adding replica and its next event number.</param>
    /// <param name="element">The element added.</param>
    public OrSetAdd(OrSetTag id, T element)
        : base(id) => Element = element;

    /// <summary>The element added.</summary>
    public T Element { get; }
}
