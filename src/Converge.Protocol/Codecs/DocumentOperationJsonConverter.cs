using System.Text.Json;
using System.Text.Json.Serialization;
using Converge.Model.Documents;
using Converge.Model.Ot;

namespace Converge.Protocol.Codecs;

/// <summary>
/// JSON for <see cref="DocumentOperation"/>: an object with <c>op</c> and <c>key</c> plus the members of its kind
/// (<c>set</c>: value; <c>remove</c>; <c>increment</c>: by; <c>addToSet</c>: element, tag; <c>removeFromSet</c>:
/// element, tags). Hand-written because the operation types live in Converge.Model, which carries no serializer
/// attributes.
/// </summary>
internal sealed class DocumentOperationJsonConverter : JsonConverter<DocumentOperation>
{
    private const string Set = "set";
    private const string Remove = "remove";
    private const string Increment = "increment";
    private const string AddToSetOp = "addToSet";
    private const string RemoveFromSetOp = "removeFromSet";
    private const string EditTextOp = "editText";
    private const string CrdtTextOp = "crdtText";

    public override DocumentOperation Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("An operation must be a JSON object.");
        }

        string? kind = null, key = null, element = null, tag = null;
        JsonElement? value = null;
        long? by = null;
        List<string>? tags = null;
        long? revision = null;
        TextDelta? delta = null;
        long? after = null;
        List<TextBridgeStep>? bridge = null;
        byte[]? update = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                throw new JsonException("Malformed operation object.");
            }

            if (reader.ValueTextEquals("op"u8))
            {
                kind = kind is null ? ReadString(ref reader, "op") : throw Duplicate("op");
            }
            else if (reader.ValueTextEquals("key"u8))
            {
                key = key is null ? ReadString(ref reader, "key") : throw Duplicate("key");
            }
            else if (reader.ValueTextEquals("value"u8))
            {
                if (value is not null)
                {
                    throw Duplicate("value");
                }

                reader.Read();
                value = JsonElement.ParseValue(ref reader);
                EnsureWellFormedText(value.Value);
            }
            else if (reader.ValueTextEquals("by"u8))
            {
                by = by is null ? ReadInt64(ref reader, "by") : throw Duplicate("by");
            }
            else if (reader.ValueTextEquals("element"u8))
            {
                element = element is null ? ReadString(ref reader, "element") : throw Duplicate("element");
            }
            else if (reader.ValueTextEquals("tag"u8))
            {
                tag = tag is null ? ReadString(ref reader, "tag") : throw Duplicate("tag");
            }
            else if (reader.ValueTextEquals("rev"u8))
            {
                revision = revision is null ? ReadInt64(ref reader, "rev") : throw Duplicate("rev");
            }
            else if (reader.ValueTextEquals("delta"u8))
            {
                delta = delta is null ? ReadDelta(ref reader) : throw Duplicate("delta");
            }
            else if (reader.ValueTextEquals("update"u8))
            {
                if (update is not null)
                {
                    throw Duplicate("update");
                }

                reader.Read();
                update = reader.TokenType == JsonTokenType.String && reader.TryGetBytesFromBase64(out var bytes)
                    ? bytes
                    : throw new JsonException("'update' must be a base64 string.");
            }
            else if (reader.ValueTextEquals("after"u8))
            {
                after = after is null ? ReadInt64(ref reader, "after") : throw Duplicate("after");
            }
            else if (reader.ValueTextEquals("bridge"u8))
            {
                bridge = bridge is null ? ReadBridge(ref reader) : throw Duplicate("bridge");
            }
            else if (reader.ValueTextEquals("tags"u8))
            {
                tags = tags is null ? ReadStrings(ref reader, "tags") : throw Duplicate("tags");
            }
            else
            {
                // Unknown members are skipped: a later minor revision may add optional fields.
                reader.Read();
                reader.Skip();
            }
        }

        if (key is null)
        {
            throw new JsonException("An operation needs a 'key'.");
        }

        // A member of another kind is a confused sender, not an optional extra: refuse it rather than guess.
        var members = (value is null ? 0 : 1) | (by is null ? 0 : 2) | (element is null ? 0 : 4) | (tag is null ? 0 : 8) | (tags is null ? 0 : 16)
            | (revision is null ? 0 : 32) | (delta is null ? 0 : 64) | (after is null ? 0 : 128) | (bridge is null ? 0 : 256) | (update is null ? 0 : 512);
        return kind switch
        {
            Set when members == 1 => new SetValue(key, value!.Value),
            Remove when members == 0 => new RemoveValue(key),
            Increment when members == 2 => new IncrementValue(key, by!.Value),
            AddToSetOp when members == (4 | 8) => new AddToSet(key, element!, tag!),
            RemoveFromSetOp when members == (4 | 16) => new RemoveFromSet(key, element!, tags!),
            EditTextOp when (members & ~(128 | 256)) == (32 | 64) => new EditText(key, delta!, revision!.Value, after, bridge),
            CrdtTextOp when members == 512 => new EditCrdtText(key, update!),
            Set => throw new JsonException($"The 'set' operation on '{key}' takes exactly a 'value'."),
            Remove => throw new JsonException($"The 'remove' operation on '{key}' takes no members besides 'op' and 'key'."),
            Increment => throw new JsonException($"The 'increment' operation on '{key}' takes exactly 'by'."),
            AddToSetOp => throw new JsonException($"The 'addToSet' operation on '{key}' takes exactly 'element' and 'tag'."),
            RemoveFromSetOp => throw new JsonException($"The 'removeFromSet' operation on '{key}' takes exactly 'element' and 'tags'."),
            CrdtTextOp => throw new JsonException($"The 'crdtText' operation on '{key}' takes exactly 'update'."),
            EditTextOp => throw new JsonException($"The 'editText' operation on '{key}' takes 'rev' and 'delta' (and optionally 'after' and 'bridge')."),
            null => throw new JsonException("An operation needs an 'op'."),
            _ => throw new JsonException($"Unknown operation '{kind}'."),
        };
    }

    public override void Write(Utf8JsonWriter writer, DocumentOperation value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        switch (value)
        {
            case SetValue set:
                writer.WriteString("op"u8, Set);
                writer.WriteString("key"u8, set.Key);
                writer.WritePropertyName("value"u8);
                set.Value.WriteTo(writer);
                break;
            case RemoveValue remove:
                writer.WriteString("op"u8, Remove);
                writer.WriteString("key"u8, remove.Key);
                break;
            case IncrementValue increment:
                writer.WriteString("op"u8, Increment);
                writer.WriteString("key"u8, increment.Key);
                writer.WriteNumber("by"u8, increment.By);
                break;
            case AddToSet add:
                writer.WriteString("op"u8, AddToSetOp);
                writer.WriteString("key"u8, add.Key);
                writer.WriteString("element"u8, add.Element);
                writer.WriteString("tag"u8, add.Tag);
                break;
            case RemoveFromSet removal:
                writer.WriteString("op"u8, RemoveFromSetOp);
                writer.WriteString("key"u8, removal.Key);
                writer.WriteString("element"u8, removal.Element);
                writer.WriteStartArray("tags"u8);
                foreach (var tag in removal.Tags)
                {
                    writer.WriteStringValue(tag);
                }

                writer.WriteEndArray();
                break;
            case EditText edit:
                writer.WriteString("op"u8, EditTextOp);
                writer.WriteString("key"u8, edit.Key);
                writer.WriteNumber("rev"u8, edit.Revision);
                WriteDelta(writer, "delta"u8, edit.Delta);
                if (edit.After is { } afterSeq)
                {
                    writer.WriteNumber("after"u8, afterSeq);
                }

                if (edit.Bridge is { } steps)
                {
                    writer.WriteStartArray("bridge"u8);
                    foreach (var step in steps)
                    {
                        writer.WriteStartObject();
                        writer.WriteNumber("rev"u8, step.Revision);
                        WriteDelta(writer, "delta"u8, step.Delta);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                }

                break;
            case EditCrdtText crdt:
                writer.WriteString("op"u8, CrdtTextOp);
                writer.WriteString("key"u8, crdt.Key);
                writer.WriteBase64String("update"u8, crdt.Update);
                break;
            default:
                throw new NotSupportedException($"No JSON encoding for {value.GetType().Name}.");
        }

        writer.WriteEndObject();
    }

    private static void WriteDelta(Utf8JsonWriter writer, ReadOnlySpan<byte> name, TextDelta delta)
    {
        writer.WriteStartArray(name);
        foreach (var item in TextDeltaJson.ToItems(delta))
        {
            if (item is long length)
            {
                writer.WriteNumberValue(length);
            }
            else
            {
                writer.WriteStringValue((string)item);
            }
        }

        writer.WriteEndArray();
    }

    // JSON may escape a lone surrogate ("\ud800"); such text cannot become a .NET string or MessagePack str, so a
    // subscriber on the binary codec could never be sent the value. Refuse it where it enters.
    private static void EnsureWellFormedText(JsonElement value)
    {
        try
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.String:
                    _ = value.GetString();
                    break;
                case JsonValueKind.Object:
                    foreach (var property in value.EnumerateObject())
                    {
                        _ = property.Name;
                        EnsureWellFormedText(property.Value);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var item in value.EnumerateArray())
                    {
                        EnsureWellFormedText(item);
                    }

                    break;
            }
        }
        catch (InvalidOperationException ex)
        {
            throw new JsonException("A value holds text that is not well-formed UTF-16 (a lone surrogate).", ex);
        }
    }

    private static JsonException Duplicate(string name) => new($"An operation must not repeat '{name}'.");

    private static string ReadString(ref Utf8JsonReader reader, string name)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.String
            ? reader.GetString()!
            : throw new JsonException($"'{name}' must be a string.");
    }

    private static long ReadInt64(ref Utf8JsonReader reader, string name)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var number)
            ? number
            : throw new JsonException($"'{name}' must be an integer.");
    }

    // [{"rev": n, "delta": [...]}, ...]
    private static List<TextBridgeStep> ReadBridge(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("'bridge' must be an array of {\"rev\", \"delta\"} objects.");
        }

        var steps = new List<TextBridgeStep>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new JsonException("'bridge' must be an array of {\"rev\", \"delta\"} objects.");
            }

            long? revision = null;
            TextDelta? delta = null;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                if (reader.ValueTextEquals("rev"u8))
                {
                    revision = revision is null ? ReadInt64(ref reader, "rev") : throw Duplicate("rev");
                }
                else if (reader.ValueTextEquals("delta"u8))
                {
                    delta = delta is null ? ReadDelta(ref reader) : throw Duplicate("delta");
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            steps.Add(new TextBridgeStep(revision ?? throw new JsonException("A bridge step needs 'rev'."), delta ?? throw new JsonException("A bridge step needs 'delta'.")));
        }

        return steps;
    }

    private static TextDelta ReadDelta(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("'delta' must be an array of integers and strings.");
        }

        var items = new List<object>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            items.Add(reader.TokenType switch
            {
                JsonTokenType.Number when reader.TryGetInt64(out var n) => n,
                JsonTokenType.String => reader.GetString()!,
                _ => throw new JsonException("'delta' must be an array of integers and strings."),
            });
        }

        try
        {
            return TextDeltaJson.FromItems(items);
        }
        catch (ArgumentException ex)
        {
            throw new JsonException($"Invalid 'delta': {ex.Message}", ex);
        }
    }

    private static List<string> ReadStrings(ref Utf8JsonReader reader, string name)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"'{name}' must be an array of strings.");
        }

        var strings = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            strings.Add(reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new JsonException($"'{name}' must be an array of strings."));
        }

        return strings;
    }
}
