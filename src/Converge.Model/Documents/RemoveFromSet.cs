namespace Converge.Model.Documents;

/// <summary>
/// Removes <see cref="Element"/> from the set at <see cref="Key"/> as far as its author saw it: only the listed
/// <see cref="Tags"/> go, so an add the author had not seen survives (see <see cref="AddToSet"/>).
/// </summary>
/// <param name="Key">The set's key.</param>
/// <param name="Element">The element.</param>
/// <param name="Tags">The element's tags the author observed (at most <see cref="SetTags.MaxTagsPerRemove"/>).</param>
public sealed record RemoveFromSet(string Key, string Element, IReadOnlyList<string> Tags) : DocumentOperation
{
    /// <inheritdoc/>
    public override string? Validate()
    {
        if ((base.Validate() ?? SetTags.ValidateElement(Key, Element)) is { } problem)
        {
            return problem;
        }

        if (Tags is null || Tags.Count == 0 || Tags.Count > SetTags.MaxTagsPerRemove)
        {
            return $"A removal from '{Key}' must list 1 to {SetTags.MaxTagsPerRemove} observed tags.";
        }

        return Tags.Select(tag => SetTags.ValidateTag(Key, tag)).FirstOrDefault(static p => p is not null);
    }

    /// <inheritdoc/>
    public bool Equals(RemoveFromSet? other) =>
        other is not null && Key == other.Key && Element == other.Element && Tags.SequenceEqual(other.Tags);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Key, Element, Tags.Count);
}
