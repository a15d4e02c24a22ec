using System.Buffers;
using Converge.Model.Documents;
using Converge.Model.Ot;
using Converge.Protocol.Frames;
using MessagePack;

namespace Converge.Protocol.Codecs;

/// <summary>
/// The binary codec of protocol v1 for WebSocket binary messages (subprotocol <c>converge.v1.msgpack</c>): each frame is
/// a MessagePack array <c>[typeCode, field…]</c> in the record's field order (layout table in docs/protocol.md).
/// Written against the low-level reader and writer (no resolvers, no generated code), thread-safe and stateless.
/// </summary>
public sealed partial class MessagePackFrameCodec : IFrameCodec
{
    private const int MaxDepth = MessagePackStrictReads.MaxDepth;

    private MessagePackFrameCodec()
    {
    }

    /// <summary>The one instance.</summary>
    public static MessagePackFrameCodec Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "msgpack";

    /// <inheritdoc />
    public bool IsBinary => true;

    /// <inheritdoc />
    public void Encode(Frame frame, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(output);
        var writer = new MessagePackWriter(output);
        switch (frame)
        {
            case HelloFrame f:
                Header(ref writer, FrameCode.Hello, 4);
                writer.Write(f.ProtocolVersion);
                writer.Write(f.ClientId);
                WriteNullable(ref writer, f.Token);
                if (f.Subscriptions is null)
                {
                    writer.WriteNil();
                }
                else
                {
                    writer.WriteArrayHeader(f.Subscriptions.Count);
                    foreach (var subscription in f.Subscriptions)
                    {
                        writer.WriteArrayHeader(2);
                        writer.Write(subscription.DocumentId);
                        writer.Write(subscription.Since);
                    }
                }

                break;
            case WelcomeFrame f:
                Header(ref writer, FrameCode.Welcome, f.MaxPendingChanges is null ? 4 : 5);
                writer.Write(f.ProtocolVersion);
                writer.Write(f.SessionId);
                writer.Write(f.HeartbeatIntervalMs);
                writer.Write(f.MaxFrameBytes);
                if (f.MaxPendingChanges is { } maxPending)
                {
                    writer.Write(maxPending);
                }

                break;
            case SubscribeFrame f:
                Header(ref writer, FrameCode.Subscribe, 2);
                writer.Write(f.DocumentId);
                writer.Write(f.Since);
                break;
            case UnsubscribeFrame f:
                Header(ref writer, FrameCode.Unsubscribe, 1);
                writer.Write(f.DocumentId);
                break;
            case SubscribedFrame f:
                Header(ref writer, FrameCode.Subscribed, 2);
                writer.Write(f.DocumentId);
                writer.Write(f.Sequence);
                break;
            case SnapshotFrame f:
                Header(ref writer, FrameCode.Snapshot, f.ClientSeq is not null ? 6 : f.Offset is null ? 3 : 5);
                writer.Write(f.DocumentId);
                writer.Write(f.Sequence);
                WriteOperations(ref writer, f.Operations);
                if (f.Offset is { } offset)
                {
                    writer.Write(offset);
                    writer.Write(f.Total!.Value);
                }
                else if (f.ClientSeq is not null)
                {
                    writer.WriteNil();
                    writer.WriteNil();
                }

                if (f.ClientSeq is { } clientSeq)
                {
                    writer.Write(clientSeq);
                }

                break;
            case PushFrame f:
                Header(ref writer, FrameCode.Push, 2);
                writer.Write(f.DocumentId);
                writer.WriteArrayHeader(f.Changes.Count);
                foreach (var change in f.Changes)
                {
                    writer.WriteArrayHeader(3);
                    writer.Write(change.ClientId);
                    writer.Write(change.ClientSeq);
                    WriteOperations(ref writer, change.Operations);
                }

                break;
            case AckFrame f:
                Header(ref writer, FrameCode.Ack, f.Operations is null ? 3 : 4);
                writer.Write(f.DocumentId);
                writer.Write(f.ClientSeq);
                writer.Write(f.Sequence);
                if (f.Operations is { } applied)
                {
                    WriteOperations(ref writer, applied);
                }

                break;
            case RejectFrame f:
                Header(ref writer, FrameCode.Reject, 4);
                writer.Write(f.DocumentId);
                writer.Write(f.ClientSeq);
                writer.Write(f.Code);
                writer.Write(f.Reason);
                break;
            case ChangesFrame f:
                Header(ref writer, FrameCode.Changes, 2);
                writer.Write(f.DocumentId);
                writer.WriteArrayHeader(f.Changes.Count);
                foreach (var change in f.Changes)
                {
                    writer.WriteArrayHeader(4);
                    writer.Write(change.Sequence);
                    writer.Write(change.ClientId);
                    writer.Write(change.ClientSeq);
                    WriteOperations(ref writer, change.Operations);
                }

                break;
            case PingFrame f:
                Header(ref writer, FrameCode.Ping, 1);
                writer.Write(f.Payload);
                break;
            case PongFrame f:
                Header(ref writer, FrameCode.Pong, 1);
                writer.Write(f.Payload);
                break;
            case ErrorFrame f:
                Header(ref writer, FrameCode.Error, 4);
                writer.Write(f.Code);
                writer.Write(f.Message);
                if (f.RetryAfterMs is { } retry)
                {
                    writer.Write(retry);
                }
                else
                {
                    writer.WriteNil();
                }

                WriteNullable(ref writer, f.DocumentId);
                break;
            case PresenceJoinFrame or PresenceUpdateFrame or PresenceLeaveFrame or PresenceSnapshotFrame or PresenceDiffFrame or PresenceRejectedFrame:
                WritePresence(ref writer, frame);
                break;
            default:
                throw new NotSupportedException($"No MessagePack encoding for {frame.GetType().Name}.");
        }

        writer.Flush();
    }

    /// <inheritdoc />
    public Frame Decode(ReadOnlySpan<byte> payload)
    {
        // The reader works on sequences; one copy of a frame is cheap next to what decoding allocates anyway.
        var reader = new MessagePackReader(new ReadOnlySequence<byte>(payload.ToArray()));
        Frame frame;
        try
        {
            frame = ReadFrame(ref reader);
            if (!reader.End)
            {
                throw new ProtocolException(ErrorCodes.MalformedFrame, "Bytes follow the end of the frame.");
            }
        }
        catch (Exception ex) when (ex is MessagePackSerializationException or EndOfStreamException or OverflowException
            or InvalidOperationException or FormatException or ArgumentException or System.Text.Json.JsonException or System.Text.DecoderFallbackException)
        {
            throw new ProtocolException(ErrorCodes.MalformedFrame, $"Malformed binary frame: {ex.Message}", ex);
        }

        return frame.Validate() is { } problem
            ? throw new ProtocolException(ErrorCodes.MalformedFrame, $"Invalid '{frame.GetType().Name}' frame: {problem}")
            : frame;
    }

    private static Frame ReadFrame(ref MessagePackReader reader)
    {
        if (reader.NextMessagePackType != MessagePackType.Array)
        {
            throw new ProtocolException(ErrorCodes.MalformedFrame, "A binary frame must be a MessagePack array.");
        }

        var count = ReadArrayHeader(ref reader);
        if (count < 1)
        {
            throw new ProtocolException(ErrorCodes.MalformedFrame, "A binary frame needs a type code.");
        }

        var code = reader.ReadInt32();
        var fields = new FieldReader(count - 1);
        Frame frame = (FrameCode)code switch
        {
            FrameCode.Hello => new HelloFrame(
                fields.Int32(ref reader), fields.String(ref reader), fields.NullableString(ref reader), ReadSubscriptions(ref reader, ref fields)),
            FrameCode.Welcome => new WelcomeFrame(fields.Int32(ref reader), fields.String(ref reader), fields.Int64(ref reader), fields.Int32(ref reader),
                fields.OptionalInt64(ref reader) is { } maxPending ? checked((int)maxPending) : null),
            FrameCode.Subscribe => new SubscribeFrame(fields.String(ref reader), fields.Int64(ref reader)),
            FrameCode.Unsubscribe => new UnsubscribeFrame(fields.String(ref reader)),
            FrameCode.Subscribed => new SubscribedFrame(fields.String(ref reader), fields.Int64(ref reader)),
            FrameCode.Snapshot => new SnapshotFrame(fields.String(ref reader), fields.Int64(ref reader), fields.Operations(ref reader),
                fields.OptionalInt64(ref reader), fields.OptionalInt64(ref reader), fields.OptionalInt64(ref reader)),
            FrameCode.Push => new PushFrame(fields.String(ref reader), ReadClientChanges(ref reader, ref fields)),
            FrameCode.Ack => new AckFrame(fields.String(ref reader), fields.Int64(ref reader), fields.Int64(ref reader), fields.OptionalOperations(ref reader)),
            FrameCode.Reject => new RejectFrame(fields.String(ref reader), fields.Int64(ref reader), fields.String(ref reader), fields.String(ref reader)),
            FrameCode.Changes => new ChangesFrame(fields.String(ref reader), ReadServerChanges(ref reader, ref fields)),
            FrameCode.Ping => new PingFrame(fields.Int64(ref reader)),
            FrameCode.Pong => new PongFrame(fields.Int64(ref reader)),
            FrameCode.Error => new ErrorFrame(fields.String(ref reader), fields.String(ref reader), fields.NullableInt64(ref reader), fields.NullableString(ref reader)),
            FrameCode.PresenceJoin => ReadPresenceJoin(ref reader, ref fields),
            FrameCode.PresenceUpdate => ReadPresenceUpdate(ref reader, ref fields),
            FrameCode.PresenceLeave => new PresenceLeaveFrame(fields.String(ref reader)),
            FrameCode.PresenceSnapshot => ReadPresenceSnapshot(ref reader, ref fields),
            FrameCode.PresenceDiff => ReadPresenceDiff(ref reader, ref fields),
            FrameCode.PresenceRejected => new PresenceRejectedFrame(fields.String(ref reader), fields.String(ref reader), fields.String(ref reader)),
            _ => throw new ProtocolException(ErrorCodes.UnknownFrameType, $"Unknown binary frame type code {code} for protocol v{ConvergeProtocol.Version}."),
        };

        // Fields a later revision appends are skipped, as the JSON codec ignores unknown members.
        fields.SkipRest(ref reader);
        return frame;
    }

    private static Subscription[]? ReadSubscriptions(ref MessagePackReader reader, ref FieldReader fields)
    {
        fields.Next();
        if (reader.TryReadNil())
        {
            return null;
        }

        var count = ReadArrayHeader(ref reader);
        var subscriptions = new Subscription[count];
        for (var i = 0; i < count; i++)
        {
            var item = new FieldReader(ReadArrayHeader(ref reader));
            subscriptions[i] = new Subscription(item.String(ref reader), item.Int64(ref reader));
            item.SkipRest(ref reader);
        }

        return subscriptions;
    }

    private static ClientChange[] ReadClientChanges(ref MessagePackReader reader, ref FieldReader fields)
    {
        fields.Next();
        var count = ReadArrayHeader(ref reader);
        var changes = new ClientChange[count];
        for (var i = 0; i < count; i++)
        {
            var item = new FieldReader(ReadArrayHeader(ref reader));
            changes[i] = new ClientChange(item.String(ref reader), item.Int64(ref reader), item.Operations(ref reader));
            item.SkipRest(ref reader);
        }

        return changes;
    }

    private static ServerChange[] ReadServerChanges(ref MessagePackReader reader, ref FieldReader fields)
    {
        fields.Next();
        var count = ReadArrayHeader(ref reader);
        var changes = new ServerChange[count];
        for (var i = 0; i < count; i++)
        {
            var item = new FieldReader(ReadArrayHeader(ref reader));
            changes[i] = new ServerChange(item.Int64(ref reader), item.String(ref reader), item.Int64(ref reader), item.Operations(ref reader));
            item.SkipRest(ref reader);
        }

        return changes;
    }

    internal static IReadOnlyList<DocumentOperation> ReadOperations(ref MessagePackReader reader)
    {
        var count = ReadArrayHeader(ref reader);
        var operations = new DocumentOperation[count];
        for (var i = 0; i < count; i++)
        {
            var item = new FieldReader(ReadArrayHeader(ref reader));
            var code = item.Int32(ref reader);
            var key = item.String(ref reader);
            operations[i] = (OperationCode)code switch
            {
                OperationCode.Set => new SetValue(key, item.Value(ref reader)),
                OperationCode.Remove => new RemoveValue(key),
                OperationCode.Increment => new IncrementValue(key, item.Int64(ref reader)),
                OperationCode.AddToSet => new AddToSet(key, item.String(ref reader), item.String(ref reader)),
                OperationCode.RemoveFromSet => new RemoveFromSet(key, item.String(ref reader), item.Strings(ref reader)),
                OperationCode.CrdtText => new EditCrdtText(key, item.Bytes(ref reader)),
                OperationCode.EditText => new EditText(key, item.Delta(ref reader), item.Int64(ref reader), item.OptionalInt64(ref reader), item.OptionalBridge(ref reader)),
                _ => throw new ProtocolException(ErrorCodes.MalformedFrame, $"Unknown operation code {code}."),
            };
            item.SkipRest(ref reader);
        }

        return operations;
    }

    // Counts are checked against the bytes left before anything is allocated: every element takes at least one byte.
    internal static int ReadArrayHeader(ref MessagePackReader reader)
    {
        var count = reader.ReadArrayHeader();
        return count > reader.Sequence.Length - reader.Consumed
            ? throw new ProtocolException(ErrorCodes.MalformedFrame, $"An array claims {count} elements, more than the bytes left.")
            : count;
    }

    private static void WriteDelta(ref MessagePackWriter writer, TextDelta delta)
    {
        var items = TextDeltaJson.ToItems(delta).ToArray();
        writer.WriteArrayHeader(items.Length);
        foreach (var part in items)
        {
            if (part is long length)
            {
                writer.Write(length);
            }
            else
            {
                writer.Write((string)part);
            }
        }
    }

    private static void WriteOperations(ref MessagePackWriter writer, IReadOnlyList<DocumentOperation> operations)
    {
        writer.WriteArrayHeader(operations.Count);
        foreach (var operation in operations)
        {
            switch (operation)
            {
                case SetValue set:
                    writer.WriteArrayHeader(3);
                    writer.Write((int)OperationCode.Set);
                    writer.Write(set.Key);
                    MessagePackJson.Write(ref writer, set.Value);
                    break;
                case RemoveValue remove:
                    writer.WriteArrayHeader(2);
                    writer.Write((int)OperationCode.Remove);
                    writer.Write(remove.Key);
                    break;
                case IncrementValue increment:
                    writer.WriteArrayHeader(3);
                    writer.Write((int)OperationCode.Increment);
                    writer.Write(increment.Key);
                    writer.Write(increment.By);
                    break;
                case AddToSet add:
                    writer.WriteArrayHeader(4);
                    writer.Write((int)OperationCode.AddToSet);
                    writer.Write(add.Key);
                    writer.Write(add.Element);
                    writer.Write(add.Tag);
                    break;
                case EditCrdtText crdt:
                    writer.WriteArrayHeader(3);
                    writer.Write((int)OperationCode.CrdtText);
                    writer.Write(crdt.Key);
                    writer.Write(crdt.Update);
                    break;
                case EditText edit:
                    writer.WriteArrayHeader(edit.Bridge is not null ? 6 : edit.After is not null ? 5 : 4);
                    writer.Write((int)OperationCode.EditText);
                    writer.Write(edit.Key);
                    WriteDelta(ref writer, edit.Delta);
                    writer.Write(edit.Revision);
                    if (edit.After is not null || edit.Bridge is not null)
                    {
                        if (edit.After is { } after)
                        {
                            writer.Write(after);
                        }
                        else
                        {
                            writer.WriteNil();
                        }
                    }

                    if (edit.Bridge is { } bridge)
                    {
                        writer.WriteArrayHeader(bridge.Count);
                        foreach (var step in bridge)
                        {
                            writer.WriteArrayHeader(2);
                            writer.Write(step.Revision);
                            WriteDelta(ref writer, step.Delta);
                        }
                    }

                    break;
                case RemoveFromSet removal:
                    writer.WriteArrayHeader(4);
                    writer.Write((int)OperationCode.RemoveFromSet);
                    writer.Write(removal.Key);
                    writer.Write(removal.Element);
                    writer.WriteArrayHeader(removal.Tags.Count);
                    foreach (var tag in removal.Tags)
                    {
                        writer.Write(tag);
                    }

                    break;
                default:
                    throw new NotSupportedException($"No MessagePack encoding for {operation.GetType().Name}.");
            }
        }
    }

    private static void Header(ref MessagePackWriter writer, FrameCode code, int fields)
    {
        writer.WriteArrayHeader(fields + 1);
        writer.Write((int)code);
    }

    private static void WriteNullable(ref MessagePackWriter writer, string? value)
    {
        if (value is null)
        {
            writer.WriteNil();
        }
        else
        {
            writer.Write(value);
        }
    }

    private enum FrameCode
    {
        Hello = 1,
        Welcome = 2,
        Subscribe = 3,
        Unsubscribe = 4,
        Subscribed = 5,
        Snapshot = 6,
        Push = 7,
        Ack = 8,
        Reject = 9,
        Changes = 10,
        Ping = 11,
        Pong = 12,
        Error = 13,
        PresenceJoin = 14,
        PresenceUpdate = 15,
        PresenceLeave = 16,
        PresenceSnapshot = 17,
        PresenceDiff = 18,
        PresenceRejected = 19,
    }

    private enum OperationCode
    {
        Set = 1,
        Remove = 2,
        Increment = 3,
        AddToSet = 4,
        RemoveFromSet = 5,
        EditText = 6,
        CrdtText = 7,
    }

    /// <summary>Reads the fields of one array in order; a field the array does not have is an error, extra ones are skipped.</summary>
    private struct FieldReader(int count)
    {
        private int _remaining = count;

        public void Next()
        {
            if (--_remaining < 0)
            {
                throw new ProtocolException(ErrorCodes.MalformedFrame, "A binary frame is missing fields.");
            }
        }

        public int Int32(ref MessagePackReader reader)
        {
            Next();
            return reader.ReadInt32();
        }

        public long Int64(ref MessagePackReader reader)
        {
            Next();
            return reader.ReadInt64();
        }

        // A trailing field older senders leave out.
        public long? OptionalInt64(ref MessagePackReader reader) => _remaining > 0 ? NullableInt64(ref reader) : null;

        public long? NullableInt64(ref MessagePackReader reader)
        {
            Next();
            return reader.TryReadNil() ? null : reader.ReadInt64();
        }

        public string String(ref MessagePackReader reader)
        {
            Next();
            return MessagePackStrictReads.ReadString(ref reader) ?? throw new ProtocolException(ErrorCodes.MalformedFrame, "A required string is nil.");
        }

        public string? NullableString(ref MessagePackReader reader)
        {
            Next();
            return MessagePackStrictReads.ReadString(ref reader);
        }

        // A trailing field older senders leave out: [[rev, delta], ...].
        public List<TextBridgeStep>? OptionalBridge(ref MessagePackReader reader)
        {
            if (_remaining == 0)
            {
                return null;
            }

            Next();
            var steps = new List<TextBridgeStep>();
            for (var count = ReadArrayHeader(ref reader); count > 0; count--)
            {
                var step = new FieldReader(ReadArrayHeader(ref reader));
                steps.Add(new TextBridgeStep(step.Int64(ref reader), step.Delta(ref reader)));
                step.SkipRest(ref reader);
            }

            return steps;
        }

        public TextDelta Delta(ref MessagePackReader reader)
        {
            Next();
            var items = new object[ReadArrayHeader(ref reader)];
            for (var i = 0; i < items.Length; i++)
            {
                items[i] = reader.NextMessagePackType switch
                {
                    MessagePackType.Integer => reader.ReadInt64(),
                    MessagePackType.String => MessagePackStrictReads.ReadString(ref reader)!,
                    _ => throw new ProtocolException(ErrorCodes.MalformedFrame, "A delta's items must be integers and strings."),
                };
            }

            try
            {
                return TextDeltaJson.FromItems(items);
            }
            catch (ArgumentException ex)
            {
                throw new ProtocolException(ErrorCodes.MalformedFrame, $"Invalid delta: {ex.Message}", ex);
            }
        }

        public byte[] Bytes(ref MessagePackReader reader)
        {
            Next();
            return reader.ReadBytes()?.ToArray() ?? throw new ProtocolException(ErrorCodes.MalformedFrame, "Required bytes are nil.");
        }

        public string[] Strings(ref MessagePackReader reader)
        {
            Next();
            var strings = new string[ReadArrayHeader(ref reader)];
            for (var i = 0; i < strings.Length; i++)
            {
                strings[i] = MessagePackStrictReads.ReadString(ref reader) ?? throw new ProtocolException(ErrorCodes.MalformedFrame, "A required string is nil.");
            }

            return strings;
        }

        // A trailing field older senders leave out.
        public IReadOnlyList<DocumentOperation>? OptionalOperations(ref MessagePackReader reader) => _remaining > 0 ? Operations(ref reader) : null;

        public IReadOnlyList<DocumentOperation> Operations(ref MessagePackReader reader)
        {
            Next();
            return ReadOperations(ref reader);
        }

        public System.Text.Json.JsonElement Value(ref MessagePackReader reader)
        {
            Next();
            return MessagePackJson.Read(ref reader, MaxDepth);
        }

        public void SkipRest(ref MessagePackReader reader)
        {
            for (; _remaining > 0; _remaining--)
            {
                MessagePackStrictReads.Skip(ref reader, 1);
            }
        }
    }
}
