using System.Text;
using Converge.Client.Transports.ServerSentEvents;
using Converge.Protocol;

namespace Converge.Client.Tests.Transports.ServerSentEvents;

/// <summary>
/// One test per rule of WHATWG HTML §9.2.6 "Interpreting an event stream", plus the spec's own examples
/// (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
/// </summary>
public sealed class SseEventParserTests
{
    private static SseItem Event(string data, string id = "", string type = SseEvent.DefaultType) =>
        SseItem.ForEvent(new SseEvent(type, data, id));

    private static SseItem Comment(string text) => SseItem.ForComment(text);

    private static SseItem Retry(int milliseconds) => SseItem.ForRetry(TimeSpan.FromMilliseconds(milliseconds));

    // ---- The spec's examples ----

    [Fact]
    public void Spec_example_with_four_blocks__fires_three_events_and_id_sets_then_resets_the_last_event_id()
    {
        const string stream = ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n";

        var items = SseFeed.Text(stream);

        Assert.Equal(
            [Comment(" test stream"), Event("first event", id: "1"), Event("second event", id: ""), Event(" third event", id: "")],
            items);
    }

    [Fact]
    public void Spec_example_with_four_blocks_without_the_final_blank_line__does_not_fire_the_last_event()
    {
        var parser = new SseEventParser();

        var items = SseFeed.Text(": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n", parser);
        parser.EndOfStream();
        items.AddRange(SseFeed.Text("\n", parser));

        Assert.Equal([Comment(" test stream"), Event("first event", id: "1"), Event("second event")], items);
    }

    [Fact]
    public void Spec_example_data_colon_test_and_data_colon_space_test__are_the_same_event()
    {
        Assert.Equal([Event("test"), Event("test")], SseFeed.Text("data:test\n\ndata: test\n\n"));
    }

    [Fact]
    public void Spec_example_comment_stream__fires_two_events_and_reports_the_comment()
    {
        const string stream = ": this is a test stream\n\ndata: some text\n\ndata: another message\ndata: with two lines \n\n";

        Assert.Equal(
            [Comment(" this is a test stream"), Event("some text"), Event("another message\nwith two lines ")],
            SseFeed.Text(stream));
    }

    [Fact]
    public void Keep_alive_comments_between_events__are_reported_as_comments_and_dispatch_nothing()
    {
        var items = SseFeed.Text(":\n\n: keep-alive\r\n:ping\rdata: x\n:\n\n");

        Assert.Equal([Comment(""), Comment(" keep-alive"), Comment("ping"), Comment(""), Event("x")], items);
    }

    [Fact]
    public void Spec_example_YHOO_with_multi_line_data__joins_the_lines_with_LF()
    {
        Assert.Equal([Event("YHOO\n+2\n10")], SseFeed.Text("data: YHOO\ndata: +2\ndata: 10\n\n"));
    }

    [Fact]
    public void Spec_example_with_event_types__sets_each_events_type()
    {
        const string stream = "event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\nevent: add\ndata: 113411\n\n";

        Assert.Equal(
            [Event("73857293", type: "add"), Event("2153", type: "remove"), Event("113411", type: "add")],
            SseFeed.Text(stream));
    }

    [Fact]
    public void Spec_example_with_bare_data_lines__fires_an_empty_event_then_a_single_newline()
    {
        // "The first block fires events with the data set to the empty string, as would the last block if it was
        // followed by a blank line. The middle block fires an event with the data set to a single newline character."
        Assert.Equal([Event(""), Event("\n")], SseFeed.Text("data\n\ndata\ndata\n\ndata:"));
    }

    // ---- Decoding ----

    [Fact]
    public void Leading_BOM__is_skipped()
    {
        Assert.Equal([Event("x")], SseFeed.Whole([0xEF, 0xBB, 0xBF, .. "data: x\n\n"u8]));
    }

    [Fact]
    public void Leading_BOM_split_across_reads__is_skipped()
    {
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. "data: x\n\n"u8];

        Assert.Equal([Event("x")], SseFeed.Chunks(SseFeed.Bytewise(bytes)));
        Assert.Equal([Event("x")], SseFeed.Chunks(SseFeed.SplitAt(bytes, [1, 2])));
    }

    [Fact]
    public void Second_BOM__is_not_skipped_so_the_field_name_is_unknown()
    {
        Assert.Empty(SseFeed.Whole([0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF, .. "data: x\n\n"u8]));
    }

    [Fact]
    public void BOM_after_the_start__is_kept_in_the_data()
    {
        Assert.Equal([Event("\uFEFFx")], SseFeed.Text("data: \uFEFFx\n\n"));
    }

    [Fact]
    public void Partial_BOM_at_the_start__decodes_as_a_replacement_character_in_the_field_name()
    {
        byte[] bytes = [0xEF, 0xBB, .. "data: x\n\ndata: y\n\n"u8];

        Assert.Equal([Event("y")], SseFeed.Whole(bytes));
        Assert.Equal([Event("y")], SseFeed.Chunks(SseFeed.Bytewise(bytes)));
    }

    [Fact]
    public void New_stream_after_EndOfStream__may_start_with_its_own_BOM()
    {
        var parser = new SseEventParser();
        var first = SseFeed.Whole([0xEF, 0xBB, 0xBF, .. "data: a\n\n"u8], parser);
        parser.EndOfStream();
        var second = SseFeed.Whole([0xEF, 0xBB, 0xBF, .. "data: b\n\n"u8], parser);

        Assert.Equal([Event("a"), Event("b")], [.. first, .. second]);
    }

    [Fact]
    public void Multi_byte_characters_split_across_reads__decode_intact()
    {
        var bytes = Encoding.UTF8.GetBytes("event: é\ndata: 😀 € é\nid: ü\n\n");

        Assert.Equal([Event("😀 € é", id: "ü", type: "é")], SseFeed.Chunks(SseFeed.Bytewise(bytes)));
    }

    [Fact]
    public void Invalid_UTF8__decodes_with_replacement_characters()
    {
        // FF and FE are never valid; E2 82 is a truncated three-byte sequence (one maximal subpart, one U+FFFD).
        byte[] bytes = [.. "data: "u8, 0xFF, 0xFE, (byte)' ', 0xE2, 0x82, (byte)'\n', .. "data: "u8, 0xE2, 0x82, (byte)'\n', (byte)'\n'];

        Assert.Equal([Event("\uFFFD\uFFFD \uFFFD\n\uFFFD")], SseFeed.Whole(bytes));
        Assert.Equal([Event("\uFFFD\uFFFD \uFFFD\n\uFFFD")], SseFeed.Chunks(SseFeed.Bytewise(bytes)));
    }

    // ---- Line breaks ----

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\n")]
    [InlineData("\r")]
    public void Each_line_break__ends_lines(string eol)
    {
        var stream = $"event: e{eol}data: a{eol}data: b{eol}id: 1{eol}{eol}data: c{eol}{eol}";

        Assert.Equal([Event("a\nb", id: "1", type: "e"), Event("c", id: "1")], SseFeed.Text(stream));
    }

    [Fact]
    public void Mixed_CRLF_LF_and_CR_in_one_stream__each_ends_one_line()
    {
        Assert.Equal([Event("a\nb\nc"), Event("d")], SseFeed.Text("data: a\r\ndata: b\ndata: c\r\rdata: d\n\r\n"));
    }

    [Fact]
    public void LF_CR__is_two_line_breaks_not_one()
    {
        Assert.Equal([Event("a")], SseFeed.Text("data: a\n\r"));
    }

    [Fact]
    public void CR_at_the_end_of_a_read_followed_by_LF_in_the_next__is_one_line_break()
    {
        var chunks = new List<byte[]> { "data: a\r"u8.ToArray(), "\ndata: b\r"u8.ToArray(), "\n\r"u8.ToArray(), "\n"u8.ToArray() };

        // Were the LF an empty line, "a" and "b" would be two events.
        Assert.Equal([Event("a\nb")], SseFeed.Chunks(chunks));
    }

    [Fact]
    public void CR_ending_a_blank_line__dispatches_without_waiting_for_the_next_byte()
    {
        var parser = new SseEventParser();

        Assert.Equal([Event("a")], SseFeed.Text("data: a\r\r", parser));
        Assert.Empty(SseFeed.Text("\n", parser));
    }

    // ---- Fields ----

    [Fact]
    public void Field_value__has_at_most_one_leading_space_stripped_and_keeps_trailing_spaces()
    {
        Assert.Equal([Event("  two \nnone\n")], SseFeed.Text("data:   two \ndata:none\ndata: \n\n"));
    }

    [Fact]
    public void Line_without_a_colon__is_a_field_name_with_an_empty_value()
    {
        Assert.Equal([Event("", type: SseEvent.DefaultType)], SseFeed.Text("event: x\nevent\ndata\n\n"));
    }

    [Fact]
    public void Colons_after_the_first__belong_to_the_value()
    {
        Assert.Equal([Event("a: b:c", type: "t:1")], SseFeed.Text("event:t:1\ndata: a: b:c\n\n"));
    }

    [Fact]
    public void Data_lines__accumulate_joined_with_LF_and_the_final_LF_is_removed()
    {
        Assert.Equal([Event("one\n\ntwo")], SseFeed.Text("data: one\ndata\ndata: two\n\n"));
    }

    [Fact]
    public void Event_field__sets_the_type_for_one_event_only()
    {
        Assert.Equal([Event("1", type: "update"), Event("2")], SseFeed.Text("event: update\ndata: 1\n\ndata: 2\n\n"));
    }

    [Fact]
    public void Empty_event_field__gives_the_default_type()
    {
        Assert.Equal([Event("1")], SseFeed.Text("event:\ndata: 1\n\n"));
    }

    [Fact]
    public void Last_event_field_in_a_block__wins()
    {
        Assert.Equal([Event("1", id: "b", type: "second")], SseFeed.Text("event: first\nid: a\nevent: second\ndata: 1\nid: b\n\n"));
    }

    [Fact]
    public void Id_field__persists_across_events_without_an_id()
    {
        Assert.Equal([Event("a", id: "7"), Event("b", id: "7"), Event("c", id: "8")], SseFeed.Text("id: 7\ndata: a\n\ndata: b\n\nid: 8\ndata: c\n\n"));
    }

    [Fact]
    public void Id_containing_NUL__is_ignored_and_the_previous_id_stays()
    {
        var parser = new SseEventParser();

        var items = SseFeed.Text("id: 1\ndata: a\n\nid: 2\03\ndata: b\n\nid: \0\ndata: c\n\n", parser);

        Assert.Equal([Event("a", id: "1"), Event("b", id: "1"), Event("c", id: "1")], items);
        Assert.Equal("1", parser.LastEventId);
    }

    [Fact]
    public void NUL_in_data__is_kept()
    {
        Assert.Equal([Event("a\0b")], SseFeed.Text("data: a\0b\n\n"));
    }

    [Fact]
    public void Id_without_data__updates_the_last_event_id_at_the_blank_line_and_reports_it()
    {
        var parser = new SseEventParser();

        var items = SseFeed.Text("id: 41\n\nid: 42\n", parser);
        Assert.Equal("41", parser.LastEventId);
        items.AddRange(SseFeed.Text("\nid: 42\n\n: same id again reports nothing\ndata: x\n\n", parser));

        Assert.Equal([SseItem.ForLastEventId("41"), SseItem.ForLastEventId("42"), Comment(" same id again reports nothing"), Event("x", id: "42")], items);
        Assert.Equal("42", parser.LastEventId);
    }

    [Fact]
    public void Empty_id__resets_the_last_event_id()
    {
        var parser = new SseEventParser(lastEventId: "9");

        Assert.Equal([SseItem.ForLastEventId("")], SseFeed.Text("id\n\n", parser));
        Assert.Equal("", parser.LastEventId);
    }

    [Fact]
    public void Initial_last_event_id__is_carried_until_the_stream_sets_one()
    {
        var parser = new SseEventParser(lastEventId: "cursor-5");

        Assert.Equal([Event("a", id: "cursor-5"), Event("b", id: "6")], SseFeed.Text("data: a\n\nid: 6\ndata: b\n\n", parser));
    }

    [Theory]
    [InlineData("retry: 3000", 3000)]
    [InlineData("retry:0", 0)]
    [InlineData("retry: 007", 7)]
    public void Retry_with_only_ASCII_digits__sets_the_reconnection_time(string line, int expected)
    {
        var parser = new SseEventParser();

        Assert.Equal([Retry(expected)], SseFeed.Text(line + "\n", parser));
        Assert.Equal(TimeSpan.FromMilliseconds(expected), parser.ReconnectionTime);
    }

    [Theory]
    [InlineData("retry: 3s")]
    [InlineData("retry: -1")]
    [InlineData("retry: +1")]
    [InlineData("retry: 1.5")]
    [InlineData("retry: 1 000")]
    [InlineData("retry:  100")]
    [InlineData("retry: 100 ")]
    [InlineData("retry:")]
    [InlineData("retry")]
    [InlineData("retry: ３")]
    [InlineData("retry: 0x10")]
    public void Retry_with_anything_but_ASCII_digits__is_ignored(string line)
    {
        var parser = new SseEventParser();
        SseFeed.Text("retry: 500\n", parser);

        Assert.Empty(SseFeed.Text(line + "\n", parser));
        Assert.Equal(TimeSpan.FromMilliseconds(500), parser.ReconnectionTime);
    }

    [Fact]
    public void Retry_too_large_for_a_TimeSpan__saturates()
    {
        Assert.Equal([SseItem.ForRetry(TimeSpan.MaxValue)], SseFeed.Text("retry: 99999999999999999999999999999999\n"));
    }

    [Fact]
    public void Retry_inside_an_event__does_not_disturb_the_event()
    {
        Assert.Equal([Retry(10), Event("a\nb")], SseFeed.Text("data: a\nretry: 10\ndata: b\n\n"));
    }

    [Fact]
    public void Unknown_and_differently_cased_fields__are_ignored()
    {
        Assert.Equal([Event("x")], SseFeed.Text("foo: bar\nData: no\nDATA: no\n data: no\nEvent: no\nID: no\ndata: x\n\n"));
    }

    // ---- Dispatch ----

    [Fact]
    public void Blank_line_with_empty_data_buffer__dispatches_nothing_and_resets_the_type()
    {
        Assert.Equal([Event("y")], SseFeed.Text("event: x\n\n\n\ndata: y\n\n"));
    }

    [Fact]
    public void Incomplete_event_at_end_of_stream__is_discarded()
    {
        var parser = new SseEventParser();

        var items = SseFeed.Text("data: a\n\nevent: t\nid: 2\ndata: partial\ndata: line without break", parser);
        parser.EndOfStream();
        items.AddRange(SseFeed.Text("\ndata: b\n\n", parser));

        // Nothing of the unfinished block survives: not its data, its type, nor its id.
        Assert.Equal([Event("a"), Event("b")], items);
        Assert.Equal("", parser.LastEventId);
    }

    [Fact]
    public void Last_event_id_and_reconnection_time__survive_EndOfStream()
    {
        var parser = new SseEventParser();
        SseFeed.Text("retry: 250\nid: 3\ndata: a\n\n", parser);

        parser.EndOfStream();

        Assert.Equal("3", parser.LastEventId);
        Assert.Equal(TimeSpan.FromMilliseconds(250), parser.ReconnectionTime);
        Assert.Equal([Event("b", id: "3")], SseFeed.Text("data: b\n\n", parser));
    }

    [Fact]
    public void Parser_after_Dispose__discards_the_pending_event_and_stays_usable_with_its_last_event_id()
    {
        var parser = new SseEventParser();
        SseFeed.Text("id: 1\ndata: a\n\nid: 1\nevent: t\ndata: pending", parser);

        parser.Dispose();

        Assert.Equal([Event("b", id: "1"), SseItem.ForLastEventId("2")], SseFeed.Text("\ndata: b\n\nid: 2\n\n", parser));
    }

    [Fact]
    public void Items__stop_the_parse_so_the_caller_sees_them_one_at_a_time()
    {
        var parser = new SseEventParser();
        var input = ":c\nretry: 1\ndata: x\n\n"u8;

        Assert.True(parser.TryParse(input, out var consumed, out var item));
        Assert.Equal((3, Comment("c")), (consumed, item));
        Assert.True(parser.TryParse(input[3..], out consumed, out item));
        Assert.Equal((9, Retry(1)), (consumed, item));
        Assert.True(parser.TryParse(input[12..], out consumed, out item));
        Assert.Equal((9, Event("x")), (consumed, item));
        Assert.False(parser.TryParse([], out consumed, out _));
        Assert.Equal(0, consumed);
    }

    [Fact]
    public void Multi_segment_sequence__parses_like_one_buffer()
    {
        var bytes = Encoding.UTF8.GetBytes("data: 😀a\r\n\r\n:k\rid: 5\n\n");
        var chunks = SseFeed.SplitAt(bytes, [3, 8, 9, 11, 12, 13, 20]);

        Assert.Equal(SseFeed.Whole(bytes), SseFeed.Sequence(chunks));
        Assert.Equal([Event("😀a"), Comment("k"), SseItem.ForLastEventId("5")], SseFeed.Sequence(chunks));
    }

    [Fact]
    public void Steady_state_parsing__allocates_only_the_event_and_its_data_string()
    {
        var parser = new SseEventParser();
        var input = "event: update\r\ndata: 0123456789\r\nid: 7\r\n\r\n"u8.ToArray();
        for (var i = 0; i < 100; i++)
        {
            Drain(parser, input);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            Drain(parser, input);
        }

        var perEvent = (GC.GetAllocatedBytesForCurrentThread() - before) / 1000;

        // SseEvent (~40 bytes) plus a 10-char string (~42 bytes): the type is cached, the unchanged id is not re-decoded,
        // and lines are parsed in place.
        Assert.InRange(perEvent, 1, 128);

        static void Drain(SseEventParser parser, byte[] input)
        {
            var offset = 0;
            while (parser.TryParse(input.AsSpan(offset), out var consumed, out var item))
            {
                offset += consumed;
                if (item.Kind != SseItemKind.Event)
                {
                    Assert.Fail($"unexpected {item}");
                }
            }
        }
    }

    // ---- Limits ----

    [Fact]
    public void Line_longer_than_the_limit__throws_frame_too_large()
    {
        var parser = new SseEventParser(maxEventBytes: 64);
        var line = Encoding.UTF8.GetBytes("data: " + new string('x', 100));

        var exception = Assert.Throws<ProtocolException>(() => SseFeed.Chunks(SseFeed.SplitAt(line, [10, 20, 30, 40, 50, 60, 70]), parser));

        Assert.Equal(ErrorCodes.FrameTooLarge, exception.ErrorCode);
    }

    [Fact]
    public void Comment_longer_than_the_limit__throws_frame_too_large()
    {
        var exception = Assert.Throws<ProtocolException>(() => SseFeed.Text(":" + new string('x', 100) + "\n", new SseEventParser(maxEventBytes: 64)));

        Assert.Equal(ErrorCodes.FrameTooLarge, exception.ErrorCode);
    }

    [Fact]
    public void Data_accumulated_over_many_lines_beyond_the_limit__throws_frame_too_large()
    {
        var parser = new SseEventParser(maxEventBytes: 100);
        var stream = string.Concat(Enumerable.Repeat("data: 0123456789\n", 20));

        var exception = Assert.Throws<ProtocolException>(() => SseFeed.Text(stream, parser));

        Assert.Equal(ErrorCodes.FrameTooLarge, exception.ErrorCode);
    }

    [Fact]
    public void Events_up_to_the_limit_one_after_another__are_fine()
    {
        var parser = new SseEventParser(maxEventBytes: 64);
        var payload = new string('x', 64 - "data: ".Length);
        var stream = string.Concat(Enumerable.Repeat($"data: {payload}\n\n", 100));

        var events = SseFeed.Events(stream, parser);

        Assert.Equal(100, events.Count);
        Assert.All(events, e => Assert.Equal(payload, e.Data));
    }

    [Fact]
    public void Parser_after_frame_too_large_and_EndOfStream__parses_a_fresh_stream()
    {
        var parser = new SseEventParser(maxEventBytes: 16);
        Assert.Throws<ProtocolException>(() => SseFeed.Text("data: " + new string('x', 40), parser));

        parser.EndOfStream();

        Assert.Equal([Event("ok")], SseFeed.Text("data: ok\n\n", parser));
    }

    [Fact]
    public void Default_limit__is_16_MiB_and_allows_a_multi_megabyte_event()
    {
        using var parser = new SseEventParser();
        var payload = new string('x', 3 * 1024 * 1024);

        var events = SseFeed.Events($"data: {payload}\ndata: {payload}\n\n", parser);

        Assert.Equal(16 * 1024 * 1024, parser.MaxEventBytes);
        Assert.Equal(payload + "\n" + payload, Assert.Single(events).Data);
    }
}
