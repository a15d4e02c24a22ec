using System.Text.Json;
using Converge.Model.Documents;
using Converge.Model.Ordering;

namespace Converge.Client.Documents;

// The typed object layer (DocumentObject): objects as key prefixes, ordered children by fractional index.
public sealed partial class ConvergeDocument
{
    /// <summary>The object with id <paramref name="id"/>: a typed view of the keys <c>{id}/{field}</c>.</summary>
    /// <param name="id">The object's id: non-empty, without <c>/</c>.</param>
    /// <returns>The view (the object need not exist yet: setting a field creates it).</returns>
    /// <exception cref="ArgumentException">The id is empty or contains <c>/</c>.</exception>
    public DocumentObject GetObject(string id) => new(this, CheckId(id));

    /// <summary>
    /// The children of <paramref name="parentId"/>, in order: the objects whose <see cref="DocumentObject.ParentField"/>
    /// is that id, sorted by <see cref="DocumentObject.PositionField"/> (ordinal; ties, from concurrent moves to the
    /// same place, by id, so every replica shows the same order).
    /// </summary>
    /// <param name="parentId">The parent's id.</param>
    /// <returns>The children.</returns>
    public IReadOnlyList<DocumentObject> GetChildren(string parentId) => ChildrenIn(State, CheckId(parentId));

    /// <summary>
    /// Moves (or places) <paramref name="objectId"/> under <paramref name="parentId"/> at <paramref name="index"/> among the
    /// other children, as one change: the parent and a position between the neighbours'. Concurrent moves of the same
    /// object: the last in server order wins; concurrent moves of different objects to the same place both keep a place.
    /// </summary>
    /// <param name="objectId">The object.</param>
    /// <param name="parentId">The new parent.</param>
    /// <param name="index">Its index among the parent's other children (clamped to their count).</param>
    /// <param name="cancellationToken">Cancels the call before the change is applied.</param>
    /// <returns>The receipt.</returns>
    public ValueTask<ChangeReceipt> MoveAsync(string objectId, string parentId, int index, CancellationToken cancellationToken = default)
    {
        CheckId(objectId);
        CheckId(parentId);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        if (string.Equals(objectId, parentId, StringComparison.Ordinal))
        {
            throw new ArgumentException("An object cannot be its own parent.", nameof(parentId));
        }

        return ApplyAsync(state =>
        {
            var siblings = ChildrenIn(state, parentId).Where(c => c.Id != objectId).ToList();
            var at = Math.Min(index, siblings.Count);
            var position = FractionalIndex.BetweenUnique(at > 0 ? siblings[at - 1].PositionIn(state) : null, at < siblings.Count ? siblings[at].PositionIn(state) : null, Random.Shared);
            var move = GetObject(objectId);
            return
            [
                new SetValue(move.KeyOf(DocumentObject.ParentField), JsonString(parentId)),
                new SetValue(move.KeyOf(DocumentObject.PositionField), JsonString(position)),
            ];
        }, cancellationToken);
    }

    private List<DocumentObject> ChildrenIn(JsonMap state, string parentId)
    {
        var children = new List<(DocumentObject Child, string? Position)>();
        const string suffix = "/" + DocumentObject.ParentField;
        foreach (var (key, value) in state)
        {
            if (key.EndsWith(suffix, StringComparison.Ordinal) && value.ValueKind == JsonValueKind.String && value.ValueEquals(parentId))
            {
                var child = new DocumentObject(this, key[..^suffix.Length]);
                children.Add((child, child.PositionIn(state)));
            }
        }

        return [.. children.OrderBy(static c => c.Position, StringComparer.Ordinal).ThenBy(static c => c.Child.Id, StringComparer.Ordinal).Select(static c => c.Child)];
    }

    private static JsonElement JsonString(string value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStringValue(value);
        }

        using var parsed = JsonDocument.Parse(buffer.WrittenMemory);
        return parsed.RootElement.Clone();
    }

    private static string CheckId(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        return id.Contains('/', StringComparison.Ordinal) ? throw new ArgumentException($"An object id cannot contain '/': '{id}'.", nameof(id)) : id;
    }
}
