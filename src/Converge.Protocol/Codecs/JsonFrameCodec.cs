using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Converge.Protocol.Frames;

namespace Converge.Protocol.Codecs;

/// <summary>
/// The JSON codec of protocol v1 (WebSocket text messages, SSE data, HTTP bodies). Thread-safe and stateless.
/// </summary>
public sealed class JsonFrameCodec : IFrameCodec
{
    internal const int MaxDepth = 64;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = MaxDepth };

    private JsonFrameCodec()
    {
    }

    /// <summary>The one instance.</summary>
    public static JsonFrameCodec Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "json";

    /// <inheritdoc />
    public bool IsBinary => false;

    /// <inheritdoc />
    public void Encode(Frame frame, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(output);
        using var writer = new Utf8JsonWriter(output);
        JsonSerializer.Serialize(writer, frame, FrameJsonContext.Default.Frame);
    }

    /// <summary>Encodes one frame to a new array. Prefer <see cref="Encode(Frame, IBufferWriter{byte})"/> on hot paths.</summary>
    /// <param name="frame">The frame.</param>
    public byte[] Encode(Frame frame)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Encode(frame, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <inheritdoc />
    public Frame Decode(ReadOnlySpan<byte> payload)
    {
        var typeInfo = ResolveTypeInfo(payload);
        Frame? frame;
        try
        {
            frame = (Frame?)JsonSerializer.Deserialize(payload, typeInfo);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or ArgumentException or FormatException or OverflowException)
        {
            throw new ProtocolException(ErrorCodes.MalformedFrame, $"Malformed '{typeInfo.Type.Name}' frame: {Describe(ex)}", ex);
        }

        if (frame is null)
        {
            throw new ProtocolException(ErrorCodes.MalformedFrame, "A frame must be a JSON object, not null.");
        }

        return frame.Validate() is { } problem
            ? throw new ProtocolException(ErrorCodes.MalformedFrame, $"Invalid '{typeInfo.Type.Name}' frame: {problem}")
            : frame;
    }

    /// <summary>
    /// Encodes frames as one JSON array: the body of HTTP uplink requests and long-poll responses, where one HTTP
    /// message carries several frames.
    /// </summary>
    /// <param name="frames">The frames, in order.</param>
    /// <param name="output">Where the bytes go.</param>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Instance members, like the rest of the codec, so callers hold one codec object.")]
    public void EncodeBatch(IEnumerable<Frame> frames, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(output);
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStartArray();
            foreach (var frame in frames)
            {
                JsonSerializer.Serialize(writer, frame, FrameJsonContext.Default.Frame);
            }

            writer.WriteEndArray();
        }
    }

    /// <summary>
    /// Decodes either one frame (a JSON object) or a batch (a JSON array of frame objects), each validated as by
    /// <see cref="Decode"/>.
    /// </summary>
    /// <param name="payload">The whole body.</param>
    /// <param name="maxFrames">The most frames accepted in one batch.</param>
    /// <exception cref="ProtocolException">The body, or any frame in it, is invalid.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Instance members, like the rest of the codec, so callers hold one codec object.")]
    public IReadOnlyList<Frame> DecodeBatch(ReadOnlySpan<byte> payload, int maxFrames = 1024)
    {
        var frames = new List<Frame>();
        try
        {
            var reader = new Utf8JsonReader(payload, ReaderOptions);
            if (!reader.Read())
            {
                throw new ProtocolException(ErrorCodes.MalformedFrame, "The body is empty.");
            }

            if (reader.TokenType == JsonTokenType.StartObject)
            {
                return [Decode(payload)];
            }

            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw new ProtocolException(ErrorCodes.MalformedFrame, "The body must be a frame object or an array of frames.");
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (frames.Count == maxFrames)
                {
                    throw new ProtocolException(ErrorCodes.FrameTooLarge, $"A batch carries at most {maxFrames} frames.");
                }

                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                frames.Add(Decode(payload[start..((int)reader.BytesConsumed)]));
            }

            if (reader.TokenType != JsonTokenType.EndArray || reader.Read())
            {
                throw new ProtocolException(ErrorCodes.MalformedFrame, "The batch array is not closed, or is followed by more data.");
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new ProtocolException(ErrorCodes.MalformedFrame, $"Malformed batch: {Describe(ex)}", ex);
        }

        return frames;
    }

    // Reading the discriminator first tells "unknown frame type" (a newer or foreign peer) apart from
    // "malformed" (a broken peer), which the polymorphic deserializer reports as the same JsonException.
    private static JsonTypeInfo ResolveTypeInfo(ReadOnlySpan<byte> payload)
    {
        string? type = null;
        try
        {
            var reader = new Utf8JsonReader(payload, ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new ProtocolException(ErrorCodes.MalformedFrame, "A frame must be a JSON object.");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals(FrameTypes.PropertyName))
                {
                    reader.Read();
                    type = reader.TokenType == JsonTokenType.String
                        ? reader.GetString()
                        : throw new ProtocolException(ErrorCodes.MalformedFrame, "A frame's 'type' must be a string.");
                    break;
                }

                reader.Read();
                reader.Skip();
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: the reader found invalid UTF-8 inside a string it was asked to decode.
            throw new ProtocolException(ErrorCodes.MalformedFrame, $"Malformed frame: {Describe(ex)}", ex);
        }

        var context = FrameJsonContext.Default;
        return type switch
        {
            null => throw new ProtocolException(ErrorCodes.MalformedFrame, "A frame needs a 'type'."),
            FrameTypes.Hello => context.HelloFrame,
            FrameTypes.Welcome => context.WelcomeFrame,
            FrameTypes.Subscribe => context.SubscribeFrame,
            FrameTypes.Unsubscribe => context.UnsubscribeFrame,
            FrameTypes.Subscribed => context.SubscribedFrame,
            FrameTypes.Snapshot => context.SnapshotFrame,
            FrameTypes.Push => context.PushFrame,
            FrameTypes.Ack => context.AckFrame,
            FrameTypes.Reject => context.RejectFrame,
            FrameTypes.Changes => context.ChangesFrame,
            FrameTypes.Ping => context.PingFrame,
            FrameTypes.Pong => context.PongFrame,
            FrameTypes.Error => context.ErrorFrame,
            FrameTypes.PresenceJoin => context.PresenceJoinFrame,
            FrameTypes.PresenceUpdate => context.PresenceUpdateFrame,
            FrameTypes.PresenceLeave => context.PresenceLeaveFrame,
            FrameTypes.PresenceSnapshot => context.PresenceSnapshotFrame,
            FrameTypes.PresenceDiff => context.PresenceDiffFrame,
            FrameTypes.PresenceRejected => context.PresenceRejectedFrame,
            _ => throw new ProtocolException(ErrorCodes.UnknownFrameType, $"Unknown frame type '{Truncate(type)}' for protocol v{ConvergeProtocol.Version}."),
        };
    }

    // Keep what goes back to the peer short and free of the payload itself.
    private static string Describe(Exception ex) => Truncate(ex.Message, 300);

    private static string Truncate(string value, int max = 64) => value.Length <= max ? value : value[..max] + "…";
}
