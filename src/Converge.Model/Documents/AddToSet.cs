namespace Converge.Model.Documents;

/// <summary>
/// Adds <see cref="Element"/> to the set at <see cref="Key"/>, under a fresh unique <see cref="Tag"/>. The set is an
/// observed-remove set: an element is present while any of its tags is, and a remove takes away only the tags its
/// author had seen, so an add concurrent with a remove wins (the article's OR-Set).
/// </summary>
/// <param name="Key">The set's key.</param>
/// <param name="Element">The element (non-empty, at most <see cref="DocumentOperation.MaxKeyLength"/> characters).</param>
/// <param name="Tag">A tag never used before for this set (<see cref="SetTags.NewTag"/> makes one).</param>
public sealed record AddToSet(string Key, string Element, string Tag) : DocumentOperation
{
    /// <inheritdoc/>
    public override string? Validate() => base.Validate() ?? SetTags.ValidateElement(Key, Element) ?? SetTags.ValidateTag(Key, Tag);
}
