using System.Text.Json;
using Converge.Protocol.Frames;
using MessagePack;

namespace Converge.Protocol.Codecs;

// The presence frames' layouts (docs/protocol.md §2a): kept apart from the document frames, which they share nothing with.
public sealed partial class MessagePackFrameCodec
{
    private static void WritePresence(ref MessagePackWriter writer, Frame frame)
    {
        switch (frame)
        {
            case PresenceJoinFrame f:
                Header(ref writer, FrameCode.PresenceJoin, 3);
                writer.Write(f.DocumentId);
                MessagePackJson.Write(ref writer, f.Metadata);
                WriteCursor(ref writer, f.Cursor);
                break;
            case PresenceUpdateFrame f:
                Header(ref writer, FrameCode.PresenceUpdate, 4);
                writer.Write(f.DocumentId);
                WriteOptionalValue(ref writer, f.Metadata);
                WriteCursor(ref writer, f.Cursor);
                if (f.Typing is { } typing)
                {
                    writer.Write(typing);
                }
                else
                {
                    writer.WriteNil();
                }

                break;
            case PresenceLeaveFrame f:
                Header(ref writer, FrameCode.PresenceLeave, 1);
                writer.Write(f.DocumentId);
                break;
            case PresenceSnapshotFrame f:
                Header(ref writer, FrameCode.PresenceSnapshot, 5);
                writer.Write(f.DocumentId);
                WriteUsers(ref writer, f.Users);
                writer.Write(f.UserCount);
                writer.Write(f.ConnectionCount);
                writer.Write(f.Aggregated);
                break;
            case PresenceDiffFrame f:
                Header(ref writer, FrameCode.PresenceDiff, 5);
                writer.Write(f.DocumentId);
                WriteUsers(ref writer, f.Changed);
                writer.WriteArrayHeader(f.Left.Count);
                foreach (var userId in f.Left)
                {
                    writer.Write(userId);
                }

                writer.Write(f.UserCount);
                writer.Write(f.ConnectionCount);
                break;
            case PresenceRejectedFrame f:
                Header(ref writer, FrameCode.PresenceRejected, 3);
                writer.Write(f.DocumentId);
                writer.Write(f.Code);
                writer.Write(f.Reason);
                break;
            default:
                throw new NotSupportedException($"No MessagePack encoding for {frame.GetType().Name}.");
        }
    }

    private static PresenceJoinFrame ReadPresenceJoin(ref MessagePackReader reader, ref FieldReader fields) =>
        new(fields.String(ref reader), fields.Value(ref reader), ReadCursor(ref reader, ref fields));

    private static PresenceUpdateFrame ReadPresenceUpdate(ref MessagePackReader reader, ref FieldReader fields)
    {
        var documentId = fields.String(ref reader);
        var metadata = ReadOptionalValue(ref reader, ref fields);
        var cursor = ReadCursor(ref reader, ref fields);
        fields.Next();
        bool? typing = reader.TryReadNil() ? null : reader.ReadBoolean();
        return new PresenceUpdateFrame(documentId, metadata, cursor, typing);
    }

    private static PresenceSnapshotFrame ReadPresenceSnapshot(ref MessagePackReader reader, ref FieldReader fields)
    {
        var documentId = fields.String(ref reader);
        var users = ReadUsers(ref reader, ref fields);
        var userCount = fields.Int32(ref reader);
        var connectionCount = fields.Int32(ref reader);
        fields.Next();
        return new PresenceSnapshotFrame(documentId, users, userCount, connectionCount, reader.ReadBoolean());
    }

    private static PresenceDiffFrame ReadPresenceDiff(ref MessagePackReader reader, ref FieldReader fields)
    {
        var documentId = fields.String(ref reader);
        var changed = ReadUsers(ref reader, ref fields);
        fields.Next();
        var left = new string[ReadArrayHeader(ref reader)];
        for (var i = 0; i < left.Length; i++)
        {
            left[i] = MessagePackStrictReads.ReadString(ref reader) ?? throw new ProtocolException(ErrorCodes.MalformedFrame, "A left userId is nil.");
        }

        return new PresenceDiffFrame(documentId, changed, left, fields.Int32(ref reader), fields.Int32(ref reader));
    }

    private static void WriteUsers(ref MessagePackWriter writer, IReadOnlyList<PresenceUserState> users)
    {
        writer.WriteArrayHeader(users.Count);
        foreach (var user in users)
        {
            writer.WriteArrayHeader(3);
            writer.Write(user.UserId);
            MessagePackJson.Write(ref writer, user.Metadata);
            writer.WriteArrayHeader(user.Connections.Count);
            foreach (var connection in user.Connections)
            {
                writer.WriteArrayHeader(3);
                writer.Write(connection.ConnectionId);
                WriteCursor(ref writer, connection.Cursor);
                writer.Write(connection.Typing);
            }
        }
    }

    private static PresenceUserState[] ReadUsers(ref MessagePackReader reader, ref FieldReader fields)
    {
        fields.Next();
        var users = new PresenceUserState[ReadArrayHeader(ref reader)];
        for (var i = 0; i < users.Length; i++)
        {
            var user = new FieldReader(ReadArrayHeader(ref reader));
            var userId = user.String(ref reader);
            var metadata = user.Value(ref reader);
            user.Next();
            var connections = new PresenceConnectionState[ReadArrayHeader(ref reader)];
            for (var j = 0; j < connections.Length; j++)
            {
                var connection = new FieldReader(ReadArrayHeader(ref reader));
                var connectionId = connection.String(ref reader);
                var cursor = ReadCursor(ref reader, ref connection);
                connection.Next();
                connections[j] = new PresenceConnectionState(connectionId, cursor, reader.ReadBoolean());
                connection.SkipRest(ref reader);
            }

            users[i] = new PresenceUserState(userId, metadata, connections);
            user.SkipRest(ref reader);
        }

        return users;
    }

    // A cursor is [position, selection], each nil when absent; the cursor itself is nil when absent.
    private static void WriteCursor(ref MessagePackWriter writer, PresenceCursor? cursor)
    {
        if (cursor is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        WriteOptionalValue(ref writer, cursor.Position);
        WriteOptionalValue(ref writer, cursor.Selection);
    }

    private static PresenceCursor? ReadCursor(ref MessagePackReader reader, ref FieldReader fields)
    {
        fields.Next();
        if (reader.TryReadNil())
        {
            return null;
        }

        var parts = new FieldReader(ReadArrayHeader(ref reader));
        var cursor = new PresenceCursor(ReadOptionalValue(ref reader, ref parts), ReadOptionalValue(ref reader, ref parts));
        parts.SkipRest(ref reader);
        return cursor;
    }

    // JSON null and absence mean the same for these values, so both travel as nil.
    private static void WriteOptionalValue(ref MessagePackWriter writer, JsonElement? value)
    {
        if (value is { ValueKind: not JsonValueKind.Null } element)
        {
            MessagePackJson.Write(ref writer, element);
        }
        else
        {
            writer.WriteNil();
        }
    }

    private static JsonElement? ReadOptionalValue(ref MessagePackReader reader, ref FieldReader fields)
    {
        fields.Next();
        return reader.TryReadNil() ? null : MessagePackJson.Read(ref reader, MaxDepth);
    }
}
