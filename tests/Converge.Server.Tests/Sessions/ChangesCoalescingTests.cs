using System.Buffers;
using System.Text.Json;
using System.Threading.Channels;
using Converge.Model.Documents;
using Converge.Protocol.Codecs;
using Converge.Protocol.Frames;
using Converge.Server.Sessions;

namespace Converge.Server.Tests.Sessions;

/// <summary>
/// A session that has fallen behind sends a run of queued fan-out <c>changes</c> frames of one document as one frame,
/// spliced from their shared encodings; everything else keeps its own frame and its place.
/// </summary>
public sealed class ChangesCoalescingTests
{
    private const int NoLimit = int.MaxValue;

    private static ChangesFrame Fanned(string document, params long[] sequences)
    {
        var frame = new ChangesFrame(document, [.. sequences.Select(static s => new ServerChange(s, "writer", s, [new SetValue("k", JsonSerializer.SerializeToElement(s))]))]);
        SharedFrameEncoding.MarkShared(frame);
        return frame;
    }

    private static Channel<Frame> Queue(params Frame[] behind)
    {
        var queue = Channel.CreateBounded<Frame>(64);
        foreach (var frame in behind)
        {
            Assert.True(queue.Writer.TryWrite(frame));
        }

        return queue;
    }

    private static long[] Sequences(ReadOnlySpan<byte> encoded) =>
        [.. ((ChangesFrame)MessagePackFrameCodec.Instance.Decode(encoded)).Changes.Select(static c => c.Sequence)];

    private static bool TryJoin(ChangesFrame first, Channel<Frame> queue, ArrayBufferWriter<byte> output, int maxChanges = NoLimit, int maxBytes = NoLimit,
        IFrameCodec? codec = null) =>
        ChangesCoalescing.TryJoin(first, queue.Reader, codec ?? MessagePackFrameCodec.Instance, maxChanges, maxBytes, output);

    [Fact]
    public void A_run_of_queued_changes_frames_of_one_document__goes_as_one_frame_with_every_change_in_order_and_stops_at_an_ack()
    {
        var ack = new AckFrame("doc", 1, 6);
        // A catch-up page meant for this session alone joins as well as the frames fanned out to everyone.
        var alone = new ChangesFrame("doc", [new ServerChange(3, "writer", 3, [new RemoveValue("k")])]);
        var queue = Queue(alone, Fanned("doc", 4, 5), ack, Fanned("doc", 7));
        var output = new ArrayBufferWriter<byte>();

        Assert.True(TryJoin(Fanned("doc", 1, 2), queue, output));

        Assert.Equal([1, 2, 3, 4, 5], Sequences(output.WrittenSpan));
        Assert.True(queue.Reader.TryRead(out var next));
        Assert.Same(ack, next);
        Assert.Equal(1, queue.Reader.Count);
    }

    [Fact]
    public void The_joined_frame_keeps_to_the_change_and_byte_limits__and_leaves_the_rest_queued()
    {
        var output = new ArrayBufferWriter<byte>();
        var queue = Queue(Fanned("doc", 2), Fanned("doc", 3), Fanned("doc", 4));
        Assert.True(TryJoin(Fanned("doc", 1), queue, output, maxChanges: 3));
        Assert.Equal([1, 2, 3], Sequences(output.WrittenSpan));
        Assert.Equal(1, queue.Reader.Count);

        var first = Fanned("doc", 1);
        Assert.True(SharedFrameEncoding.TryGet(first, MessagePackFrameCodec.Instance, out var oneFrame));
        queue = Queue(Fanned("doc", 2), Fanned("doc", 3));
        output.ResetWrittenCount();
        Assert.True(TryJoin(first, queue, output, maxBytes: oneFrame.Length * 2));
        Assert.Equal([1, 2], Sequences(output.WrittenSpan));
        Assert.Equal(1, queue.Reader.Count);
    }

    [Fact]
    public void Nothing_is_joined_across_documents__past_the_limits__or_in_JSON()
    {
        var output = new ArrayBufferWriter<byte>();
        var otherDocument = Queue(Fanned("other", 2));
        Assert.False(TryJoin(Fanned("doc", 1), otherDocument, output));
        Assert.Equal(1, otherDocument.Reader.Count);

        var tooMany = Queue(Fanned("doc", 3, 4));
        Assert.False(TryJoin(Fanned("doc", 1, 2), tooMany, output, maxChanges: 3));
        Assert.Equal(1, tooMany.Reader.Count);

        var json = Queue(Fanned("doc", 2));
        Assert.False(TryJoin(Fanned("doc", 1), json, output, codec: JsonFrameCodec.Instance));
        Assert.Equal(1, json.Reader.Count);
        Assert.Equal(0, output.WrittenCount);
    }
}
