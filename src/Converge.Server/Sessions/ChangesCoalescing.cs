using System.Buffers;
using System.Threading.Channels;
using Converge.Protocol.Codecs;
using Converge.Protocol.Frames;

namespace Converge.Server.Sessions;

/// <summary>
/// Batching for a receiver that has fallen behind: when a session's queue holds several <c>changes</c> frames of one
/// document in a row, its transport sends them as one frame, spliced from their encodings with no decoding (a
/// fanned-out frame's bytes are shared, <see cref="SharedFrameEncoding"/>, so only a frame meant for this session alone,
/// such as a catch-up page, is encoded here, as it would have been to send it). A receiver that keeps up gets every
/// commit group as it comes; one that lags gets fewer, larger frames, and both the server's sends and the receiver's
/// per-frame work shrink with the backlog. The client sees the same changes in the same order, still contiguous (protocol §4.10 and §8: live
/// changes reach a session without gaps, its own ones as acks between frames).
/// </summary>
/// <remarks>
/// Only frames next to each other in the queue are joined, so an <c>ack</c> (or anything else) between two of them keeps
/// its place in the stream. MessagePack only: JSON sessions send each frame as it is.
/// </remarks>
internal static class ChangesCoalescing
{
    /// <summary>
    /// Joins <paramref name="first"/> (already read from <paramref name="queue"/>) with the <c>changes</c> frames of its
    /// document queued right behind it, up to <paramref name="maxChanges"/> changes and <paramref name="maxBytes"/>
    /// bytes, and writes the joined frame to <paramref name="output"/>. False, with nothing read or written, when there
    /// is nothing to join.
    /// </summary>
    public static bool TryJoin(ChangesFrame first, ChannelReader<Frame> queue, IFrameCodec codec, int maxChanges, int maxBytes, IBufferWriter<byte> output)
    {
        if (codec is not MessagePackFrameCodec || !queue.TryPeek(out var peeked) || !Continues(first, peeked))
        {
            return false;
        }

        var firstBytes = Encoded(first, codec);
        List<ReadOnlyMemory<byte>> parts = [firstBytes];
        var changes = first.Changes.Count;
        var bytes = firstBytes.Length;
        while (queue.TryPeek(out peeked) && Continues(first, peeked) && changes + ((ChangesFrame)peeked).Changes.Count <= maxChanges)
        {
            var next = Encoded(peeked, codec);
            if (bytes + next.Length > maxBytes)
            {
                break;
            }

            queue.TryRead(out _);
            parts.Add(next);
            changes += ((ChangesFrame)peeked).Changes.Count;
            bytes += next.Length;
        }

        if (parts.Count == 1)
        {
            return false;
        }

        MessagePackFrameCodec.WriteJoinedChanges(first.DocumentId, parts, output);
        return true;
    }

    private static bool Continues(ChangesFrame first, Frame next) => next is ChangesFrame changes && changes.DocumentId == first.DocumentId;

    // A fanned-out frame's bytes exist already (encoded once for every subscriber); one meant for this session alone is
    // encoded here, as the transport would have done to send it.
    private static ReadOnlyMemory<byte> Encoded(Frame frame, IFrameCodec codec)
    {
        if (SharedFrameEncoding.TryGet(frame, codec, out var bytes))
        {
            return bytes;
        }

        var writer = new ArrayBufferWriter<byte>(256);
        codec.Encode(frame, writer);
        return writer.WrittenMemory;
    }
}
