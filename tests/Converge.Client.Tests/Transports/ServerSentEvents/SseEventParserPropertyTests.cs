using System.Text;
using Converge.Client.Transports.ServerSentEvents;
using Converge.Protocol;
using CsCheck;

namespace Converge.Client.Tests.Transports.ServerSentEvents;

/// <summary>
/// Properties: the parser's output does not depend on where the reads split the stream, it round-trips what a
/// server serialises, and no input makes it throw anything but its documented exception or stop making progress.
/// </summary>
public sealed class SseEventParserPropertyTests
{
    // Text atoms chosen to hit the interesting bytes: ASCII, the field separator, spaces (leading-space stripping),
    // 2-, 3- and 4-byte UTF-8 (so splits fall inside characters), a BOM character, NUL (allowed in data only).
    private static readonly string[] Atoms = ["a", "Z", "7", " ", ":", "é", "€", "😀", "\uFEFF", "{\"k\":1}", "data", "id"];

    private static readonly Gen<string> Text = Gen.OneOf(Atoms).Array[0, 6].Select(string.Concat);
    private static readonly Gen<string> TextWithNul = Gen.OneOf<string>([.. Atoms, "\0"]).Array[0, 6].Select(string.Concat);

    /// <summary>One block of a generated stream: optional comment, type, id, retry; zero or more data lines.</summary>
    private sealed record Block(string? Comment, string? Type, string[] Data, string? Id, int? Retry, int FieldOrder)
    {
        public override string ToString() =>
            $"Block(comment: {Comment}, type: {Type}, data: [{string.Join("|", Data)}], id: {Id}, retry: {Retry}, order: {FieldOrder})";
    }

    private static readonly Gen<Block> GenBlock =
        from comment in Gen.Frequency((3, Gen.Const((string?)null)), (1, Text.Select(t => (string?)t)))
        from type in Gen.Frequency((2, Gen.Const((string?)null)), (1, Text.Select(t => (string?)t)))
        from data in Gen.Frequency((1, Gen.Const(Array.Empty<string>())), (6, TextWithNul.Array[1, 4]))
        from id in Gen.Frequency((2, Gen.Const((string?)null)), (1, Text.Select(t => (string?)t)))
        from retry in Gen.Frequency((4, Gen.Const((int?)null)), (1, Gen.Int[0, 100_000].Select(r => (int?)r)))
        from order in Gen.Int[0, 5]
        select new Block(comment, type, data, id, retry, order);

    private sealed record Case(Block[] Blocks, bool Bom, int StyleSeed, int[] Cuts)
    {
        public override string ToString() =>
            $"Case(bom: {Bom}, style: {StyleSeed}, cuts: [{string.Join(",", Cuts)}], blocks: [{string.Join(", ", Blocks.Select(b => b.ToString()))}])";
    }

    private static readonly Gen<Case> GenCase =
        from blocks in GenBlock.Array[0, 8]
        from bom in Gen.Bool
        from style in Gen.Int
        from cuts in Gen.Int[0, 400].Array[0, 30]
        select new Case(blocks, bom, style, cuts);

    [Fact]
    public void Generated_events_fed_in_any_chunking__equal_the_whole_buffer_parse_and_the_generated_events()
    {
        GenCase.Sample(
            c =>
            {
                var bytes = Serialize(c.Blocks, c.Bom, new Random(c.StyleSeed));
                var expected = Expected(c.Blocks);

                var whole = SseFeed.Whole(bytes);
                Assert.Equal(expected, whole);
                Assert.Equal(whole, SseFeed.Chunks(SseFeed.Bytewise(bytes)));
                var chunks = SseFeed.SplitAt(bytes, c.Cuts);
                Assert.Equal(whole, SseFeed.Chunks(chunks));
                Assert.Equal(whole, SseFeed.Sequence(chunks));
            },
            iter: 2_000);
    }

    [Fact]
    public void Random_bytes__never_throw_anything_but_frame_too_large_and_never_depend_on_chunking()
    {
        // Mostly the bytes that matter to the grammar, plus anything at all.
        var interesting = Gen.OneOf<byte>(
            (byte)'\r', (byte)'\n', (byte)':', (byte)' ', (byte)'d', (byte)'a', (byte)'t', (byte)'i', (byte)'e',
            (byte)'v', (byte)'n', (byte)'r', (byte)'y', (byte)'1', 0x00, 0xEF, 0xBB, 0xBF, 0x80, 0xC3, 0xE2, 0xF0, 0xFF);
        var gen =
            from bytes in Gen.Frequency((1, (IGen<byte>)Gen.Byte), (3, interesting)).Array[0, 300]
            from cuts in Gen.Int[0, 300].Array[0, 20]
            from max in Gen.Int[1, 128]
            select (bytes, cuts, max);

        gen.Sample(
            t =>
            {
                var (bytes, cuts, max) = t;
                var whole = Outcome(items => SseFeed.Whole(bytes, new SseEventParser(max), items));
                var chunked = Outcome(items => SseFeed.Chunks(SseFeed.SplitAt(bytes, cuts), new SseEventParser(max), items));
                var bytewise = Outcome(items => SseFeed.Chunks(SseFeed.Bytewise(bytes), new SseEventParser(max), items));
                var sequence = Outcome(items => SseFeed.Sequence(SseFeed.SplitAt(bytes, cuts), new SseEventParser(max), items));
                Assert.Equal(whole, chunked);
                Assert.Equal(whole, bytewise);
                Assert.Equal(whole, sequence);
            },
            iter: 20_000);
    }

    [Fact]
    public async Task Random_bytes_through_the_stream_reader__finish_promptly_with_items_or_frame_too_large()
    {
        var gen = from bytes in Gen.Byte.Array[0, 500] from max in Gen.Int[1, 256] select (bytes, max);

        await gen.SampleAsync(
            async t =>
            {
                var (bytes, max) = t;
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                var reader = new SseStreamReader(new MemoryStream(bytes), new SseEventParser(max), bufferSize: 7);
                try
                {
                    await foreach (var _ in reader.ReadAllAsync(timeout.Token))
                    {
                    }
                }
                catch (ProtocolException e) when (e.ErrorCode == ErrorCodes.FrameTooLarge)
                {
                }
            },
            iter: 1_000);
    }

    /// <summary>What a parse produced: its items (up to the exception, if any) and whether it ended with the documented one.</summary>
    private static (string Items, bool TooLarge) Outcome(Action<List<SseItem>> parse)
    {
        var items = new List<SseItem>();
        try
        {
            parse(items);
            return (string.Join("\n", items), false);
        }
        catch (ProtocolException e) when (e.ErrorCode == ErrorCodes.FrameTooLarge)
        {
            // Anything else escapes and fails the property. Chunked and whole runs throw at the same line, so the items
            // before it must match too.
            return (string.Join("\n", items), true);
        }
    }

    private static byte[] Serialize(Block[] blocks, bool bom, Random style)
    {
        string[] breaks = ["\n", "\r\n", "\r"];
        var text = new StringBuilder();
        if (bom)
        {
            text.Append('\uFEFF');
        }

        var previousBreak = "";
        void Line(string line)
        {
            var lineBreak = breaks[style.Next(breaks.Length)];
            if (line.Length == 0 && previousBreak == "\r" && lineBreak == "\n")
            {
                // CR then an empty line ended by LF is one CRLF, not a blank line: a server cannot write that either.
                lineBreak = "\r";
            }

            text.Append(line).Append(lineBreak);
            previousBreak = lineBreak;
        }

        // "name: value" or "name:value" (only when the value cannot lose a leading space); bare "name" for empty values.
        void Field(string name, string value)
        {
            switch (style.Next(3))
            {
                case 0 when value.Length == 0:
                    Line(name);
                    break;
                case 1 when !value.StartsWith(' '):
                    Line(name + ":" + value);
                    break;
                default:
                    Line(name + ": " + value);
                    break;
            }
        }

        foreach (var block in blocks)
        {
            if (block.Comment is { } comment)
            {
                Line(":" + comment);
            }

            var fields = new List<Action>();
            if (block.Type is { } type)
            {
                fields.Add(() => Field("event", type));
            }

            if (block.Id is { } id)
            {
                fields.Add(() => Field("id", id));
            }

            if (block.Retry is { } retry)
            {
                fields.Add(() => Field("retry", retry.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }

            // The data lines stay in order; the other fields go before, between or after them.
            var data = block.Data.Select(d => (Action)(() => Field("data", d))).ToList();
            foreach (var field in fields)
            {
                data.Insert((block.FieldOrder + style.Next(6)) % (data.Count + 1), field);
            }

            foreach (var line in data)
            {
                line();
            }

            Line("");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static List<SseItem> Expected(Block[] blocks)
    {
        var items = new List<SseItem>();
        var lastEventId = "";
        foreach (var block in blocks)
        {
            if (block.Comment is { } comment)
            {
                items.Add(SseItem.ForComment(comment));
            }

            if (block.Retry is { } retry)
            {
                items.Add(SseItem.ForRetry(TimeSpan.FromMilliseconds(retry)));
            }

            var idChanged = block.Id is { } id && id != lastEventId;
            lastEventId = block.Id ?? lastEventId;
            if (block.Data.Length > 0)
            {
                var type = string.IsNullOrEmpty(block.Type) ? SseEvent.DefaultType : block.Type;
                items.Add(SseItem.ForEvent(new SseEvent(type, string.Join("\n", block.Data), lastEventId)));
            }
            else if (idChanged)
            {
                items.Add(SseItem.ForLastEventId(lastEventId));
            }
        }

        return items;
    }
}
