using System.Text.Json;

namespace Converge.Server.Storage;

/// <summary>
/// The stored form of a checkpoint's client progress: <c>[["clientId", lastClientSeq, lastSequence], …]</c> in UTF-8
/// JSON, the same for every store, written and read without reflection.
/// </summary>
internal static class CheckpointClientsJson
{
    public static byte[] Serialize(IReadOnlyList<CheckpointClient> clients)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var client in clients)
            {
                writer.WriteStartArray();
                writer.WriteStringValue(client.ClientId);
                writer.WriteNumberValue(client.LastClientSeq);
                writer.WriteNumberValue(client.LastSequence);
                writer.WriteEndArray();
            }

            writer.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <exception cref="InvalidDataException">The bytes are not a client list this class wrote.</exception>
    public static IReadOnlyList<CheckpointClient> Deserialize(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8Json);
            var clients = new List<CheckpointClient>();
            Expect(ref reader, JsonTokenType.StartArray);
            while (reader.Read() && reader.TokenType == JsonTokenType.StartArray)
            {
                Expect(ref reader, JsonTokenType.String);
                var clientId = reader.GetString()!;
                Expect(ref reader, JsonTokenType.Number);
                var lastClientSeq = reader.GetInt64();
                Expect(ref reader, JsonTokenType.Number);
                var lastSequence = reader.GetInt64();
                Expect(ref reader, JsonTokenType.EndArray);
                clients.Add(new CheckpointClient(clientId, lastClientSeq, lastSequence));
            }

            return reader.TokenType == JsonTokenType.EndArray
                ? clients
                : throw new InvalidDataException("A checkpoint's client list does not end where it should.");
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            throw new InvalidDataException("A checkpoint's client list is not valid.", ex);
        }
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (!reader.Read() || reader.TokenType != type)
        {
            throw new InvalidDataException($"A checkpoint's client list has {reader.TokenType} where {type} belongs.");
        }
    }
}
