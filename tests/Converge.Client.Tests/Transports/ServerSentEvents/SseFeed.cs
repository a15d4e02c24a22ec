using System.Buffers;
using System.Text;
using Converge.Client.Transports.ServerSentEvents;

namespace Converge.Client.Tests.Transports.ServerSentEvents;

/// <summary>Drives an <see cref="SseEventParser"/> the ways a transport would, collecting every item.</summary>
internal static class SseFeed
{
    public static List<SseItem> Text(string text, SseEventParser? parser = null) => Whole(Encoding.UTF8.GetBytes(text), parser);

    public static List<SseEvent> Events(string text, SseEventParser? parser = null) =>
        [.. Text(text, parser).Where(i => i.Kind == SseItemKind.Event).Select(i => i.Event!)];

    /// <summary>The whole buffer in one call (then again with the rest after each item).</summary>
    public static List<SseItem> Whole(byte[] bytes, SseEventParser? parser = null, List<SseItem>? items = null) =>
        Chunks(SplitAt(bytes, []), parser, items);

    /// <summary>Chunk by chunk, each chunk a separate span, as successive reads would deliver them.</summary>
    /// <param name="chunks">The reads.</param>
    /// <param name="parser">The parser, when the test needs its state; a new default one otherwise.</param>
    /// <param name="items">Where to collect, so that items before an exception stay visible; a new list otherwise.</param>
    public static List<SseItem> Chunks(IEnumerable<byte[]> chunks, SseEventParser? parser = null, List<SseItem>? items = null)
    {
        parser ??= new SseEventParser();
        items ??= [];
        foreach (var chunk in chunks)
        {
            var offset = 0;
            var calls = 0;
            while (true)
            {
                // Progress guard: each call either yields an item (one per line at most) or consumes the chunk.
                Assert.True(++calls <= chunk.Length + 2, "the parser stopped making progress");
                var found = parser.TryParse(chunk.AsSpan(offset), out var consumed, out var item);
                Assert.InRange(consumed, 0, chunk.Length - offset);
                offset += consumed;
                if (!found)
                {
                    Assert.Equal(chunk.Length, offset);
                    break;
                }

                Assert.True(consumed > 0, "an item must consume the line that produced it");
                items.Add(item);
            }
        }

        return items;
    }

    /// <summary>All chunks as one multi-segment <see cref="ReadOnlySequence{T}"/>, as a PipeReader would hand them over.</summary>
    public static List<SseItem> Sequence(IReadOnlyList<byte[]> chunks, SseEventParser? parser = null, List<SseItem>? items = null)
    {
        parser ??= new SseEventParser();
        var buffer = ToSequence(chunks);
        var total = buffer.Length;
        items ??= [];
        var calls = 0;
        while (parser.TryParse(ref buffer, out var item))
        {
            Assert.True(++calls <= total + 1, "the parser stopped making progress");
            items.Add(item);
        }

        Assert.True(buffer.IsEmpty);
        return items;
    }

    public static List<byte[]> SplitAt(byte[] bytes, IEnumerable<int> cuts)
    {
        var chunks = new List<byte[]>();
        var start = 0;
        foreach (var cut in cuts.Where(c => c > 0 && c < bytes.Length).Distinct().Order())
        {
            chunks.Add(bytes[start..cut]);
            start = cut;
        }

        chunks.Add(bytes[start..]);
        return chunks;
    }

    public static List<byte[]> Bytewise(byte[] bytes) => [.. bytes.Select(b => new[] { b })];

    public static ReadOnlySequence<byte> ToSequence(IReadOnlyList<byte[]> chunks)
    {
        if (chunks.Count == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segment(chunks[0], 0);
        var last = first;
        foreach (var chunk in chunks.Skip(1))
        {
            last = last.Append(chunk);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
