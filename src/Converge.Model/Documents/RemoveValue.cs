namespace Converge.Model.Documents;

/// <summary>Removes <see cref="Key"/>. Removing a key that is absent is not an error.</summary>
/// <param name="Key">The key to remove.</param>
public sealed record RemoveValue(string Key) : DocumentOperation;
