using System.Globalization;
using System.Text;
using System.Text.Json;
using Converge.Protocol;
using Converge.Protocol.Codecs;
using Converge.Protocol.Frames;
using CsCheck;

namespace Converge.Protocol.Tests.Codecs;

/// <summary>The presence frames through both codecs: round trips, the documented JSON, bad input, fuzz.</summary>
public sealed class PresenceFrameCodecTests
{
    private static readonly JsonFrameCodec Json = JsonFrameCodec.Instance;
    private static readonly MessagePackFrameCodec Binary = MessagePackFrameCodec.Instance;

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static readonly JsonElement Ann = Parse("""{"name":"Ann","color":"#e91e63","avatar":"https://example.com/a.png"}""");

    private static readonly Frame[] Frames =
    [
        new PresenceJoinFrame("board-1", Ann),
        new PresenceJoinFrame("board-1", Ann, new PresenceCursor(Parse("""{"x":120,"y":48}"""))),
        new PresenceUpdateFrame("board-1", Metadata: Parse("""{"name":"Ann B."}""")),
        new PresenceUpdateFrame("board-1", Cursor: new PresenceCursor(Parse("17"), Parse("""{"anchor":3,"head":9}"""))),
        new PresenceUpdateFrame("board-1", Cursor: new PresenceCursor()),
        new PresenceUpdateFrame("board-1", Typing: true),
        new PresenceUpdateFrame("board-1", Typing: false),
        new PresenceLeaveFrame("board-1"),
        new PresenceSnapshotFrame("board-1",
            [new PresenceUserState("ann", Ann, [new PresenceConnectionState("c1", new PresenceCursor(Parse("""{"x":1,"y":2}""")), Typing: true), new PresenceConnectionState("c2")])],
            1, 2),
        new PresenceSnapshotFrame("board-1", [], 0, 0),
        new PresenceSnapshotFrame("board-1", [], 2500, 2731, Aggregated: true),
        new PresenceDiffFrame("board-1", [new PresenceUserState("bob", Parse("{}"), [new PresenceConnectionState("c3")])], ["carol"], 2, 3),
        new PresenceDiffFrame("board-1", [], ["carol"], 0, 0),
        new PresenceRejectedFrame("board-1", ErrorCodes.PresenceTooLarge, "Metadata is 9000 bytes; the limit is 4096."),
    ];

    public static TheoryData<Frame> EveryFrame() => new(Frames);

    private static string JsonText(Frame frame) => Encoding.UTF8.GetString(Json.Encode(frame));

    [Theory]
    [MemberData(nameof(EveryFrame))]
    public void Every_presence_frame__round_trips_through_the_json_codec(Frame frame)
    {
        var decoded = Json.Decode(Json.Encode(frame));
        Assert.Equal(frame.GetType(), decoded.GetType());
        Assert.Equal(JsonText(frame), JsonText(decoded));
    }

    [Theory]
    [MemberData(nameof(EveryFrame))]
    public void Every_presence_frame__means_the_same_after_a_trip_through_messagepack(Frame frame)
    {
        var decoded = Binary.Decode(CodecFuzz.Encode(Binary, frame));
        Assert.Equal(frame.GetType(), decoded.GetType());
        Assert.Equal(JsonText(frame), JsonText(decoded));
    }

    // The examples in docs/protocol.md §4.13, byte for byte.
    [Theory]
    [InlineData("""{"type":"presenceJoin","documentId":"board-1","metadata":{"name":"Ann","color":"#e91e63"},"cursor":{"position":{"x":120,"y":48}}}""")]
    [InlineData("""{"type":"presenceUpdate","documentId":"board-1","cursor":{"position":17,"selection":{"anchor":3,"head":9}}}""")]
    [InlineData("""{"type":"presenceUpdate","documentId":"board-1","typing":true}""")]
    [InlineData("""{"type":"presenceLeave","documentId":"board-1"}""")]
    [InlineData("""{"type":"presenceSnapshot","documentId":"board-1","users":[{"userId":"ann","metadata":{"name":"Ann"},"connections":[{"connectionId":"8f14e45f","cursor":{"position":{"x":1,"y":2}},"typing":true},{"connectionId":"c9f0f895"}]}],"userCount":1,"connectionCount":2,"aggregated":false}""")]
    [InlineData("""{"type":"presenceSnapshot","documentId":"board-1","users":[],"userCount":2500,"connectionCount":2731,"aggregated":true}""")]
    [InlineData("""{"type":"presenceDiff","documentId":"board-1","changed":[{"userId":"bob","metadata":{"name":"Bob"},"connections":[{"connectionId":"45c48cce"}]}],"left":["carol"],"userCount":2,"connectionCount":3}""")]
    [InlineData("""{"type":"presenceRejected","documentId":"board-1","code":"presence_too_large","reason":"Metadata is 9000 bytes; the limit is 4096."}""")]
    public void The_documented_examples__decode_and_encode_back_to_the_same_text(string json) =>
        Assert.Equal(json, JsonText(Json.Decode(Encoding.UTF8.GetBytes(json))));

    [Fact]
    public void Every_example_in_the_protocol_documents_presence_section__decodes_and_encodes_back_to_the_same_text()
    {
        var text = File.ReadAllText(Path.Combine(Converge.Testing.RepositoryPaths.Root, "docs", "protocol.md"));
        var section = text[text.IndexOf("### 4.13 Presence frames", StringComparison.Ordinal)..text.IndexOf("## 5. Operations", StringComparison.Ordinal)];
        var examples = System.Text.RegularExpressions.Regex.Matches(section, "```json\n(.*?)\n```").Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(8, examples.Length);
        Assert.All(examples, json => Assert.Equal(json, JsonText(Json.Decode(Encoding.UTF8.GetBytes(json)))));
    }

    [Fact]
    public void Json_null_in_an_optional_value__means_absent()
    {
        var frame = (PresenceUpdateFrame)Json.Decode("""{"type":"presenceUpdate","documentId":"d","metadata":null,"cursor":{"position":null},"typing":false}"""u8);
        Assert.Null(frame.Metadata);
        Assert.NotNull(frame.Cursor);
        Assert.True(frame.Cursor.Position is null or { ValueKind: JsonValueKind.Null });
        Assert.False(frame.Typing);
    }

    [Theory]
    [InlineData("""{"type":"presenceJoin","documentId":"d","metadata":"Ann"}""")]
    [InlineData("""{"type":"presenceJoin","documentId":"d","metadata":null}""")]
    [InlineData("""{"type":"presenceJoin","documentId":"d"}""")]
    [InlineData("""{"type":"presenceJoin","documentId":"","metadata":{}}""")]
    [InlineData("""{"type":"presenceJoin","documentId":"d","metadata":{},"metadata":{}}""")]
    [InlineData("""{"type":"presenceUpdate","documentId":"d"}""")]
    [InlineData("""{"type":"presenceUpdate","documentId":"d","metadata":[1]}""")]
    [InlineData("""{"type":"presenceUpdate","documentId":"d","typing":"yes"}""")]
    [InlineData("""{"type":"presenceLeave"}""")]
    [InlineData("""{"type":"presenceSnapshot","documentId":"d","users":[],"userCount":1,"connectionCount":1}""")]
    [InlineData("""{"type":"presenceSnapshot","documentId":"d","users":[{"userId":"a","metadata":{},"connections":[{"connectionId":"c"}]}],"userCount":1,"connectionCount":1,"aggregated":true}""")]
    [InlineData("""{"type":"presenceSnapshot","documentId":"d","users":[{"userId":"a","metadata":{},"connections":[]}],"userCount":1,"connectionCount":1}""")]
    [InlineData("""{"type":"presenceSnapshot","documentId":"d","users":[{"userId":"a","metadata":{},"connections":[{"connectionId":"c"},{"connectionId":"c"}]}],"userCount":1,"connectionCount":2}""")]
    [InlineData("""{"type":"presenceSnapshot","documentId":"d","users":[{"userId":"a","metadata":{},"connections":[{"connectionId":"c"}]},{"userId":"a","metadata":{},"connections":[{"connectionId":"e"}]}],"userCount":2,"connectionCount":2}""")]
    [InlineData("""{"type":"presenceSnapshot","documentId":"d","users":[null],"userCount":1,"connectionCount":1}""")]
    [InlineData("""{"type":"presenceSnapshot","documentId":"d","users":[],"userCount":-1,"connectionCount":0}""")]
    [InlineData("""{"type":"presenceDiff","documentId":"d","changed":[],"left":[],"userCount":0,"connectionCount":0}""")]
    [InlineData("""{"type":"presenceDiff","documentId":"d","changed":[{"userId":"a","metadata":{},"connections":[{"connectionId":"c"}]}],"left":["a"],"userCount":1,"connectionCount":1}""")]
    [InlineData("""{"type":"presenceDiff","documentId":"d","changed":[],"left":[""],"userCount":0,"connectionCount":0}""")]
    [InlineData("""{"type":"presenceRejected","documentId":"d","code":"","reason":""}""")]
    [InlineData("""{"type":"presenceJoin","documentId":"d","metadata":{"name":"\ud800"}}""")]
    [InlineData("""{"type":"presenceJoin","documentId":"d","metadata":{"\udc00":1}}""")]
    [InlineData("""{"type":"presenceUpdate","documentId":"d","cursor":{"position":["\ud800"]}}""")]
    public void Invalid_presence_frames__are_malformed(string json) =>
        Assert.Equal(ErrorCodes.MalformedFrame, Assert.Throws<ProtocolException>(() => Json.Decode(Encoding.UTF8.GetBytes(json))).ErrorCode);

    [Fact]
    public void Metadata_with_invalid_utf8__is_malformed_not_an_exception_later()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"type":"presenceJoin","documentId":"d","metadata":{"name":"ab"}}""");
        bytes[Array.IndexOf(bytes, (byte)'a')] = 0xDE;
        Assert.Equal(ErrorCodes.MalformedFrame, Assert.Throws<ProtocolException>(() => Json.Decode(bytes)).ErrorCode);
    }

    [Fact]
    public void Metadata_nested_deeper_than_32_levels__is_malformed_in_both_codecs()
    {
        var deep = Parse("{\"a\":" + new string('[', 32) + new string(']', 32) + "}");
        var fine = Parse("{\"a\":" + new string('[', 31) + new string(']', 31) + "}");
        Assert.IsType<PresenceJoinFrame>(Json.Decode(Json.Encode(new PresenceJoinFrame("d", fine))));
        var frame = new PresenceJoinFrame("d", deep);
        Assert.Equal(ErrorCodes.MalformedFrame, Assert.Throws<ProtocolException>(() => Json.Decode(Json.Encode(frame))).ErrorCode);
        Assert.Equal(ErrorCodes.MalformedFrame, Assert.Throws<ProtocolException>(() => Binary.Decode(CodecFuzz.Encode(Binary, frame))).ErrorCode);
    }

    [Fact]
    public void A_binary_presence_update_without_its_typing_field__is_malformed() =>
        // [15, "d", nil, nil]: one field short.
        Assert.Equal(ErrorCodes.MalformedFrame, Assert.Throws<ProtocolException>(() => Binary.Decode(new byte[] { 0x94, 0x0F, 0xA1, (byte)'d', 0xC0, 0xC0 })).ErrorCode);

    [Fact]
    public void The_binary_layout__is_the_documented_array()
    {
        // presenceLeave "d" is [16, "d"]; presenceUpdate typing on "d" is [15, "d", nil, nil, true].
        Assert.Equal(new byte[] { 0x92, 0x10, 0xA1, (byte)'d' }, CodecFuzz.Encode(Binary, new PresenceLeaveFrame("d")));
        Assert.Equal(new byte[] { 0x95, 0x0F, 0xA1, (byte)'d', 0xC0, 0xC0, 0xC3 }, CodecFuzz.Encode(Binary, new PresenceUpdateFrame("d", Typing: true)));
    }

    private static readonly Gen<string> Id = Gen.String[Gen.Char.AlphaNumeric, 1, 12];

    private static readonly Gen<JsonElement> Value = Gen.OneOf(
        Gen.Int.Select(i => Parse(i.ToString(CultureInfo.InvariantCulture))),
        Gen.String[0, 8].Select(s => Parse(JsonSerializer.Serialize(s))),
        Gen.Select(Gen.Int[-5000, 5000], Gen.Int[-5000, 5000]).Select(t => Parse($$"""{"x":{{t.Item1}},"y":{{t.Item2}}}""")),
        Gen.Select(Gen.Int[0, 100], Gen.Int[0, 100]).Select(t => Parse($$"""{"anchor":{{t.Item1}},"head":{{t.Item2}},"ranges":[[1,2],[3,4]]}""")));

    private static readonly Gen<JsonElement> Metadata =
        Gen.Select(Gen.String[0, 12], Gen.Int[0, 0xFFFFFF], Gen.Bool).Select(t => Parse(JsonSerializer.Serialize(new { name = t.Item1, color = $"#{t.Item2:x6}", away = t.Item3 })));

    private static readonly Gen<PresenceCursor?> Cursor = Gen.Frequency(
        (1, Gen.Const((PresenceCursor?)null)),
        (3, Gen.Select(Value.Nullable(), Value.Nullable()).Select(t => (PresenceCursor?)new PresenceCursor(t.Item1, t.Item2))));

    private static readonly Gen<PresenceUserState> User =
        Gen.Select(Id, Metadata, Gen.Select(Cursor, Gen.Bool).Array[1, 3])
            .Select(t => new PresenceUserState(t.Item1, t.Item2, t.Item3.Select((c, i) => new PresenceConnectionState($"{t.Item1}-{i}", c.Item1, c.Item2)).ToArray()));

    private static PresenceUserState[] Distinct(PresenceUserState[] users) => [.. users.DistinctBy(u => u.UserId)];

    private static readonly Gen<Frame> AnyPresenceFrame = Gen.OneOf(
        Gen.Select(Id, Metadata, Cursor).Select(t => (Frame)new PresenceJoinFrame(t.Item1, t.Item2, t.Item3)),
        Gen.Select(Id, Metadata.Nullable(), Cursor, Gen.Bool.Nullable())
            .Where(t => t.Item2 is not null || t.Item3 is not null || t.Item4 is not null)
            .Select(t => (Frame)new PresenceUpdateFrame(t.Item1, t.Item2, t.Item3, t.Item4)),
        Id.Select(d => (Frame)new PresenceLeaveFrame(d)),
        Gen.Select(Id, User.Array[0, 4]).Select(t =>
        {
            var users = Distinct(t.Item2);
            return (Frame)new PresenceSnapshotFrame(t.Item1, users, users.Length, users.Sum(u => u.Connections.Count));
        }),
        Gen.Select(Id, Gen.Int[0, 100_000]).Select(t => (Frame)new PresenceSnapshotFrame(t.Item1, [], t.Item2, t.Item2 * 2, Aggregated: true)),
        Gen.Select(Id, User.Array[0, 4], Id.Array[1, 3]).Select(t =>
        {
            var changed = Distinct(t.Item2);
            var left = t.Item3.Distinct().Where(l => changed.All(u => u.UserId != l)).Select(l => "gone-" + l).ToArray();
            return (Frame)new PresenceDiffFrame(t.Item1, changed, left, changed.Length + 3, changed.Sum(u => u.Connections.Count) + 3);
        }),
        Gen.Select(Id, Id, Gen.String).Select(t => (Frame)new PresenceRejectedFrame(t.Item1, t.Item2, t.Item3)));

    [Fact]
    public void Any_presence_frame__round_trips_through_both_codecs_to_the_same_json() =>
        AnyPresenceFrame.Sample(frame =>
        {
            var text = JsonText(frame);
            Assert.Equal(text, JsonText(Json.Decode(Encoding.UTF8.GetBytes(text))));
            Assert.Equal(text, JsonText(Binary.Decode(CodecFuzz.Encode(Binary, frame))));
        }, iter: 2000);

    [Fact]
    public void Mutated_presence_frames__decode_to_a_frame_or_a_protocol_exception_in_json() =>
        CodecFuzz.Mutations(AnyPresenceFrame.Select(f => Json.Encode(f))).Sample(bytes => CodecFuzz.DecodesCleanly(Json, bytes), iter: 30_000);

    [Fact]
    public void Mutated_presence_frames__decode_to_a_frame_or_a_protocol_exception_in_messagepack() =>
        CodecFuzz.Mutations(AnyPresenceFrame.Select(f => CodecFuzz.Encode(Binary, f))).Sample(bytes => CodecFuzz.DecodesCleanly(Binary, bytes), iter: 30_000);
}
