namespace Converge.Model.Documents;

/// <summary>
/// One operation inside a change. Operations are pure data: applying the same operations in the same
/// order to the same state always gives the same result, on the server and on every client.
/// </summary>
/// <remarks>
/// The hierarchy is closed: the wire codecs in Converge.Protocol know every kind. New kinds arrive with
/// the data types of later protocol versions.
/// </remarks>
public abstract record DocumentOperation
{
    private protected DocumentOperation()
    {
    }

    /// <summary>The longest key an operation may name, in UTF-16 code units.</summary>
    public const int MaxKeyLength = 1024;

    /// <summary>The key this operation addresses.</summary>
    public abstract string Key { get; init; }

    /// <summary>Checks the operation's own invariants.</summary>
    /// <returns><see langword="null"/> when valid; otherwise why it is not, for people.</returns>
    public virtual string? Validate()
    {
        if (string.IsNullOrEmpty(Key))
        {
            return "An operation's key must not be empty.";
        }

        return Key.Length > MaxKeyLength
            ? $"An operation's key is {Key.Length} characters long; the limit is {MaxKeyLength}."
            : null;
    }
}
