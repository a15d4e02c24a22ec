using System.Text.Json;
using Converge.Model.Documents;

namespace Converge.Client.Documents;

/// <summary>
/// A typed view of one object in a document: its fields are the keys <c>{id}/{field}</c>, each with its own merge rule —
/// a last-writer-wins value (<see cref="SetAsync"/>), a counter (<see cref="IncrementAsync"/>), an add-wins set
/// (<see cref="AddToSetAsync"/>), or collaborative text, OT (<see cref="EditTextAsync"/>) or CRDT (<see cref="EditCrdtTextAsync"/>), chosen per field — so concurrent edits of different
/// fields never conflict, and edits of one field merge by its rule. Objects are ordered children of a parent through
/// their <see cref="ParentField"/> and <see cref="PositionField"/> fields (<see cref="ConvergeDocument.GetChildren"/>,
/// <see cref="ConvergeDocument.MoveAsync"/>). Reads come from the document's current state (confirmed ⊕ pending).
/// </summary>
public sealed class DocumentObject
{
    /// <summary>The field holding the parent object's id.</summary>
    public const string ParentField = "parent";

    /// <summary>The field holding the position among siblings: a fractional index (<see cref="Model.Ordering.FractionalIndex"/>).</summary>
    public const string PositionField = "position";

    private readonly ConvergeDocument _document;

    internal DocumentObject(ConvergeDocument document, string id)
    {
        _document = document;
        Id = id;
    }

    /// <summary>The object's id: the first segment of its keys.</summary>
    public string Id { get; }

    /// <summary>Whether the document has any field of this object.</summary>
    public bool Exists => KeysIn(_document.State).Any();

    /// <summary>The parent object's id, or <see langword="null"/> for a top-level object.</summary>
    public string? ParentId => Get(ParentField) is { ValueKind: JsonValueKind.String } parent ? parent.GetString() : null;

    /// <summary>The position among siblings, or <see langword="null"/>.</summary>
    public string? Position => Get(PositionField) is { ValueKind: JsonValueKind.String } position ? position.GetString() : null;

    /// <summary>The document key of a field: <c>{id}/{field}</c>.</summary>
    /// <param name="field">The field.</param>
    /// <returns>The key.</returns>
    public string KeyOf(string field)
    {
        ArgumentException.ThrowIfNullOrEmpty(field);
        return $"{Id}/{field}";
    }

    /// <summary>A field's value, or <see langword="null"/> when absent.</summary>
    /// <param name="field">The field.</param>
    /// <returns>The value.</returns>
    public JsonElement? Get(string field) => _document.State.TryGetValue(KeyOf(field), out var value) ? value : null;

    /// <summary>A counter field's value (0 when absent).</summary>
    /// <param name="field">The field.</param>
    /// <returns>The count.</returns>
    public long GetCounter(string field) => _document.State.GetCounter(KeyOf(field));

    /// <summary>A set field's elements (empty when absent).</summary>
    /// <param name="field">The field.</param>
    /// <returns>The elements.</returns>
    public IReadOnlyList<string> GetSet(string field) => _document.State.GetSet(KeyOf(field));

    /// <summary>A text field's text (empty when absent).</summary>
    /// <param name="field">The field.</param>
    /// <returns>The text.</returns>
    public string GetText(string field) => _document.State.GetText(KeyOf(field));

    /// <summary>Sets a last-writer-wins field (the server's order decides between concurrent writes).</summary>
    /// <param name="field">The field.</param>
    /// <param name="value">The value.</param>
    /// <param name="cancellationToken">Cancels the call before the change is applied.</param>
    /// <returns>The receipt.</returns>
    public ValueTask<ChangeReceipt> SetAsync(string field, JsonElement value, CancellationToken cancellationToken = default) =>
        _document.SetAsync(KeyOf(field), value, cancellationToken);

    /// <summary>Adds to a counter field; concurrent increments all count.</summary>
    /// <param name="field">The field.</param>
    /// <param name="by">The amount (negative to decrement).</param>
    /// <param name="cancellationToken">Cancels the call before the change is applied.</param>
    /// <returns>The receipt.</returns>
    public ValueTask<ChangeReceipt> IncrementAsync(string field, long by = 1, CancellationToken cancellationToken = default) =>
        _document.IncrementAsync(KeyOf(field), by, cancellationToken);

    /// <summary>Adds an element to a set field (add-wins over a concurrent remove).</summary>
    /// <param name="field">The field.</param>
    /// <param name="element">The element.</param>
    /// <param name="cancellationToken">Cancels the call before the change is applied.</param>
    /// <returns>The receipt.</returns>
    public ValueTask<ChangeReceipt> AddToSetAsync(string field, string element, CancellationToken cancellationToken = default) =>
        _document.AddToSetAsync(KeyOf(field), element, cancellationToken);

    /// <summary>Removes an element from a set field (the adds this client has seen).</summary>
    /// <param name="field">The field.</param>
    /// <param name="element">The element.</param>
    /// <param name="cancellationToken">Cancels the call before the change is applied.</param>
    /// <returns>The receipt.</returns>
    public ValueTask<ChangeReceipt> RemoveFromSetAsync(string field, string element, CancellationToken cancellationToken = default) =>
        _document.RemoveFromSetAsync(KeyOf(field), element, cancellationToken);

    /// <summary>Edits a collaborative text field (OT): at a position in code points, delete and insert.</summary>
    /// <param name="field">The field.</param>
    /// <param name="position">Where, in code points of the current text.</param>
    /// <param name="deleteCount">Code points to delete there.</param>
    /// <param name="insert">Text to insert there.</param>
    /// <param name="cancellationToken">Cancels the call before the change is applied.</param>
    /// <returns>The receipt.</returns>
    public ValueTask<ChangeReceipt> EditTextAsync(string field, int position, int deleteCount, string insert, CancellationToken cancellationToken = default) =>
        _document.EditTextAsync(KeyOf(field), position, deleteCount, insert, cancellationToken);

    /// <summary>Edits a CRDT text field: at a position in code points, delete and insert (see <see cref="ConvergeDocument.EditCrdtTextAsync"/>).</summary>
    /// <param name="field">The field.</param>
    /// <param name="position">Where, in code points of the current text.</param>
    /// <param name="deleteCount">Code points to delete there.</param>
    /// <param name="insert">Text to insert there.</param>
    /// <param name="cancellationToken">Cancels the call before the change is applied.</param>
    /// <returns>The receipt.</returns>
    public ValueTask<ChangeReceipt> EditCrdtTextAsync(string field, int position, int deleteCount, string insert, CancellationToken cancellationToken = default) =>
        _document.EditCrdtTextAsync(KeyOf(field), position, deleteCount, insert, cancellationToken);

    /// <summary>Removes every field of the object, as one change. Its children keep their parent id (they are orphans).</summary>
    /// <param name="cancellationToken">Cancels the call before the change is applied.</param>
    /// <returns>The receipt.</returns>
    /// <exception cref="ChangeRejectedException">The object has no fields (<c>invalid_change</c>): nothing to remove.</exception>
    public ValueTask<ChangeReceipt> DeleteAsync(CancellationToken cancellationToken = default) =>
        _document.ApplyAsync(state => [.. KeysIn(state).Select(static key => (DocumentOperation)new RemoveValue(key))], cancellationToken);

    // Read from a given state (inside a change being built), not the document's current one.
    internal string? PositionIn(JsonMap state) =>
        state.TryGetValue(KeyOf(PositionField), out var position) && position.ValueKind == JsonValueKind.String ? position.GetString() : null;

    private IEnumerable<string> KeysIn(JsonMap state)
    {
        var prefix = Id + "/";
        return state.Keys.Where(key => key.StartsWith(prefix, StringComparison.Ordinal));
    }
}
