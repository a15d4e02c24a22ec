using System.Collections;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Converge.Model.Documents;

/// <summary>
/// An immutable map of keys to JSON values where the last writer in the authority's order wins.
/// </summary>
/// <remarks>
/// This is the protocol-v1 document content: the server's sequence is the only clock, so replaying the same
/// log gives the same map everywhere. Immutability is what lets a client hand one consistent state to every
/// event handler and rebuild its optimistic view (confirmed state plus pending changes) without copying.
/// </remarks>
public sealed class JsonMap : IReadOnlyDictionary<string, JsonElement>
{
    private readonly ImmutableSortedDictionary<string, JsonElement> _entries;

    private JsonMap(ImmutableSortedDictionary<string, JsonElement> entries) => _entries = entries;

    /// <summary>The empty map every document starts from.</summary>
    public static JsonMap Empty { get; } = new(ImmutableSortedDictionary.Create<string, JsonElement>(StringComparer.Ordinal));

    /// <summary>Applies operations in order and returns the resulting map; this map is unchanged.</summary>
    /// <param name="operations">The operations, in the order the authority sequenced them.</param>
    /// <exception cref="ArgumentException">An operation is invalid (see <see cref="DocumentOperation.Validate"/>).</exception>
    public JsonMap Apply(IEnumerable<DocumentOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var builder = _entries.ToBuilder();
        foreach (var operation in operations)
        {
            ApplyTo(builder, operation);
        }

        return new JsonMap(builder.ToImmutable());
    }

    /// <summary>Operations that rebuild this map from <see cref="Empty"/>: a snapshot in change form.</summary>
    public IReadOnlyList<DocumentOperation> ToOperations() =>
        _entries.Select(static entry => (DocumentOperation)new SetValue(entry.Key, entry.Value)).ToArray();

    /// <summary>Whether both maps hold the same keys with structurally equal JSON values.</summary>
    /// <param name="other">The map to compare with.</param>
    public bool ContentEquals(JsonMap other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Count != Count)
        {
            return false;
        }

        foreach (var (key, value) in _entries)
        {
            if (!other._entries.TryGetValue(key, out var otherValue) || !JsonElement.DeepEquals(value, otherValue))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public JsonElement this[string key] => _entries[key];

    /// <inheritdoc />
    public IEnumerable<string> Keys => _entries.Keys;

    /// <inheritdoc />
    public IEnumerable<JsonElement> Values => _entries.Values;

    /// <inheritdoc />
    public int Count => _entries.Count;

    /// <inheritdoc />
    public bool ContainsKey(string key) => _entries.ContainsKey(key);

    /// <inheritdoc />
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out JsonElement value) => _entries.TryGetValue(key, out value);

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, JsonElement>> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The integer counter at <paramref name="key"/> (see <see cref="IncrementValue"/>): 0 when absent or not an integer.</summary>
    /// <param name="key">The counter's key.</param>
    /// <returns>The count.</returns>
    public long GetCounter(string key) => CounterValue(_entries.TryGetValue(key, out var value) ? value : default);

    /// <summary>The elements of the set at <paramref name="key"/> (see <see cref="AddToSet"/>), in ordinal order; empty when absent or not a set.</summary>
    /// <param name="key">The set's key.</param>
    /// <returns>The elements present.</returns>
    public IReadOnlyList<string> GetSet(string key) => _entries.TryGetValue(key, out var value) ? TaggedSetJson.Elements(value) : [];

    /// <summary>The live tags of <paramref name="element"/> in the set at <paramref name="key"/>: what a <see cref="RemoveFromSet"/> made now must list.</summary>
    /// <param name="key">The set's key.</param>
    /// <param name="element">The element.</param>
    /// <returns>Its tags; empty when it is not in the set.</returns>
    public IReadOnlyList<string> GetSetTags(string key, string element) =>
        _entries.TryGetValue(key, out var value) ? TaggedSetJson.Tags(value, element) : [];

    /// <summary>
    /// The CRDT text at <paramref name="key"/> as a replica named <paramref name="replica"/> to make edits with (send them
    /// as an <see cref="EditCrdtText"/>); empty when absent or not a CRDT text.
    /// </summary>
    /// <param name="key">The text's key.</param>
    /// <param name="replica">The editing replica: the client id, unique among everyone who edits the text.</param>
    /// <returns>A new editable copy.</returns>
    public Text.CrdtText GetCrdtText(string key, string replica) => CrdtTextJson.Load(_entries.TryGetValue(key, out var value) ? value : null, replica);

    /// <summary>The collaborative text at <paramref name="key"/> (OT, <see cref="EditText"/>, or CRDT, <see cref="EditCrdtText"/>); empty when absent or not a text.</summary>
    /// <param name="key">The text's key.</param>
    /// <returns>The text.</returns>
    public string GetText(string key) => TextValueJson.Read(_entries.TryGetValue(key, out var value) ? value : null).Text;

    /// <summary>How many edits the text at <paramref name="key"/> has had: the revision a new <see cref="EditText"/> applies to.</summary>
    /// <param name="key">The text's key.</param>
    /// <returns>The revision; 0 when absent or not a text.</returns>
    public long GetTextRevision(string key) => TextValueJson.Read(_entries.TryGetValue(key, out var value) ? value : null).Revision;

    private static long CounterValue(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var count) ? count : 0;

    private static JsonElement? Existing(ImmutableSortedDictionary<string, JsonElement>.Builder builder, string key) =>
        builder.TryGetValue(key, out var value) ? value : null;

    private static void ApplyTo(ImmutableSortedDictionary<string, JsonElement>.Builder builder, DocumentOperation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        if (operation.Validate() is { } problem)
        {
            throw new ArgumentException(problem, nameof(operation));
        }

        switch (operation)
        {
            case SetValue set:
                // Clone so that the map never keeps a whole frame's JsonDocument alive through one element.
                builder[set.Key] = set.Value.Clone();
                break;
            case RemoveValue remove:
                builder.Remove(remove.Key);
                break;
            case IncrementValue increment:
                builder[increment.Key] = JsonSerializer.SerializeToElement(
                    Math.Clamp(CounterValue(builder.GetValueOrDefault(increment.Key)) + increment.By, -IncrementValue.MaxMagnitude, IncrementValue.MaxMagnitude),
                    JsonNodeContext.Default.Int64);
                break;
            case AddToSet add:
                builder[add.Key] = TaggedSetJson.Add(Existing(builder, add.Key), add.Element, add.Tag);
                break;
            case EditText edit:
                if (TextValueJson.Apply(Existing(builder, edit.Key), edit) is { } edited)
                {
                    builder[edit.Key] = edited;
                }

                break;
            case EditCrdtText crdt:
                if (CrdtTextJson.Apply(Existing(builder, crdt.Key), crdt) is { } merged)
                {
                    builder[crdt.Key] = merged;
                }

                break;
            case RemoveFromSet removal:
                if (TaggedSetJson.Remove(Existing(builder, removal.Key), removal.Element, removal.Tags) is { } remaining)
                {
                    builder[removal.Key] = remaining;
                }

                break;
            default:
                throw new ArgumentException($"A JSON map cannot apply a {operation.GetType().Name}.", nameof(operation));
        }
    }
}
