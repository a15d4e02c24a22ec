using System.Buffers;
using MessagePack;

namespace Converge.Protocol.Codecs;

// Joining encoded `changes` frames without decoding them: a server whose session has several fanned-out frames of one
// document queued sends them as one, built from bytes that were encoded once for every subscriber.
public sealed partial class MessagePackFrameCodec
{
    /// <summary>
    /// Reads the head of an encoded <c>changes</c> frame: its change count and where its changes start (they run to
    /// the end, the frame's last field). False for any other frame or for bytes that do not parse.
    /// </summary>
    internal static bool TryReadChangesHead(ReadOnlyMemory<byte> encoded, out int count, out int changesOffset)
    {
        count = 0;
        changesOffset = 0;
        var reader = new MessagePackReader(encoded);
        try
        {
            if (reader.NextMessagePackType != MessagePackType.Array || reader.ReadArrayHeader() != 3
                || reader.NextMessagePackType != MessagePackType.Integer || reader.ReadInt32() != (int)FrameCode.Changes)
            {
                return false;
            }

            reader.Skip();
            count = reader.ReadArrayHeader();
            changesOffset = checked((int)reader.Consumed);
            return true;
        }
        catch (Exception ex) when (ex is MessagePackSerializationException or EndOfStreamException or OverflowException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>
    /// Writes one <c>changes</c> frame for <paramref name="documentId"/> holding the changes of <paramref name="frames"/>
    /// in order, copied as they are (each an encoded <c>changes</c> frame of that document, checked with
    /// <see cref="TryReadChangesHead"/>).
    /// </summary>
    /// <exception cref="ArgumentException">One of <paramref name="frames"/> is not an encoded <c>changes</c> frame.</exception>
    internal static void WriteJoinedChanges(string documentId, IReadOnlyList<ReadOnlyMemory<byte>> frames, IBufferWriter<byte> output)
    {
        var total = 0;
        foreach (var frame in frames)
        {
            total += TryReadChangesHead(frame, out var count, out _) ? count : throw new ArgumentException("Only encoded changes frames can be joined.", nameof(frames));
        }

        var writer = new MessagePackWriter(output);
        Header(ref writer, FrameCode.Changes, 2);
        writer.Write(documentId);
        writer.WriteArrayHeader(total);
        writer.Flush();
        foreach (var frame in frames)
        {
            TryReadChangesHead(frame, out _, out var offset);
            output.Write(frame.Span[offset..]);
        }
    }
}
