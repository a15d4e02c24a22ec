using System.Text.Json;
using System.Text.Json.Serialization;
using Converge.Model.Documents;

namespace Converge.Protocol.Codecs;

/// <summary>
/// JSON for <see cref="DocumentOperation"/>: <c>{"op":"set","key":…,"value":…}</c> and <c>{"op":"remove","key":…}</c>.
/// Hand-written because the operation types live in Converge.Model, which carries no serializer attributes.
/// </summary>
internal sealed class DocumentOperationJsonConverter : JsonConverter<DocumentOperation>
{
    private const string Set = "set";
    private const string Remove = "remove";

    public override DocumentOperation Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("An operation must be a JSON object.");
        }

        string? kind = null;
        string? key = null;
        JsonElement? value = null;
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

        return kind switch
        {
            Set => new SetValue(key, value ?? throw new JsonException($"The 'set' operation on '{key}' needs a 'value'.")),
            Remove => value is null ? new RemoveValue(key) : throw new JsonException($"The 'remove' operation on '{key}' must not carry a 'value'."),
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
            default:
                throw new NotSupportedException($"No JSON encoding for {value.GetType().Name}.");
        }

        writer.WriteEndObject();
    }

    private static JsonException Duplicate(string name) => new($"An operation must not repeat '{name}'.");

    private static string ReadString(ref Utf8JsonReader reader, string name)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.String
            ? reader.GetString()!
            : throw new JsonException($"'{name}' must be a string.");
    }
}
