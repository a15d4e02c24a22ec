using System.Text;
using System.Text.Json;
using Converge.Model.Documents;
using Converge.Protocol;
using Converge.Protocol.Codecs;
using Converge.Protocol.Frames;
using CsCheck;

namespace Converge.Protocol.Tests.Codecs;

public sealed class JsonFrameCodecTests
{
    private static readonly JsonFrameCodec Codec = JsonFrameCodec.Instance;
    private static readonly JsonElement Value = JsonSerializer.SerializeToElement(new { title = "Card", votes = 3, tags = new[] { "a" } });

    private static readonly Frame[] Frames =
[
        new HelloFrame(1, "client", "token", [new Subscription("doc", 5)]),
        new HelloFrame(1, "client"),
        new WelcomeFrame(1, "session", 15000, 1 << 20),
        new WelcomeFrame(1, "session", 15000, 1 << 20, 512),
        new SubscribeFrame("doc", 3),
        new UnsubscribeFrame("doc"),
        new SubscribedFrame("doc", 9),
        new SnapshotFrame("doc", 9, [new SetValue("a", Value)]),
        new SnapshotFrame("doc", 9, [new SetValue("a", Value)], 2, 3),
        new SnapshotFrame("doc", 9, [new SetValue("a", Value)], ClientSeq: 4),
        new SnapshotFrame("doc", 9, [new SetValue("a", Value)], 2, 3, 4),
        new PushFrame("doc", [new ClientChange("c", 4, [new EditText("desc", Converge.Model.Ot.TextDelta.ForEdit(3, 1, 1, "z"), 7, After: 3)])]),
        new ChangesFrame("doc", [new ServerChange(12, "c", 4, [new EditText("desc", Converge.Model.Ot.TextDelta.ForEdit(3, 1, 1, "z"), 9,
            Bridge: [new TextBridgeStep(7, Converge.Model.Ot.TextDelta.ForEdit(3, 0, 0, "q")), new TextBridgeStep(8, Converge.Model.Ot.TextDelta.ForEdit(4, 4, 0, "r"))])])]),
        new PushFrame("doc", [new ClientChange("c", 1, [new SetValue("a", Value), new RemoveValue("b")])]),
        new PushFrame("doc", [new ClientChange("c", 2, [new IncrementValue("votes", -3), new AddToSet("tags", "bug", "t1"), new RemoveFromSet("tags", "ui", ["t0", "t2"])])]),
        new PushFrame("doc", [new ClientChange("c", 3, [new EditText("desc", new Converge.Model.Ot.TextDeltaBuilder().Retain(2).Insert("🙂x").Delete(3).Retain(1).Build(), 7)])]),
        new PushFrame("doc", [new ClientChange("c", 5, [new EditCrdtText("notes", Converge.Model.Text.TextOperationCodec.Encode([new Converge.Model.Text.CrdtText("c").Insert(0, "hi🙂")!]))])]),
        new AckFrame("doc", 1, 10),
        new RejectFrame("doc", 2, ErrorCodes.InvalidChange, "no"),
        new ChangesFrame("doc", [new ServerChange(11, "c", 3, [new RemoveValue("a")])]),
        new PingFrame(42),
        new PongFrame(42),
        new ErrorFrame(ErrorCodes.Timeout, "slow", 1500, "doc"),
];

    public static TheoryData<Frame> EveryFrame() => new(Frames);

    [Theory]
    [MemberData(nameof(EveryFrame))]
    public void Every_frame__round_trips_through_the_json_codec(Frame frame)
    {
        var decoded = Codec.Decode(Codec.Encode(frame));
        Assert.Equal(Codec.Encode(frame), Codec.Encode(decoded));
        Assert.Equal(frame.GetType(), decoded.GetType());
    }

    [Fact]
    public void Encoding__uses_camel_case_names_and_the_type_discriminator_and_omits_nulls()
    {
        var json = Encoding.UTF8.GetString(Codec.Encode(new HelloFrame(1, "client")));
        Assert.Equal("""{"type":"hello","protocolVersion":1,"clientId":"client"}""", json);
    }

    [Fact]
    public void Decoding__accepts_the_type_after_other_members_and_ignores_unknown_members()
    {
        var frame = Codec.Decode("""{"documentId":"doc","future":{"x":[1]},"type":"subscribe","since":2}"""u8);
        Assert.Equal(new SubscribeFrame("doc", 2), frame);
    }

    [Theory]
    [InlineData("", ErrorCodes.MalformedFrame)]
    [InlineData("{", ErrorCodes.MalformedFrame)]
    [InlineData("null", ErrorCodes.MalformedFrame)]
    [InlineData("\"hello\"", ErrorCodes.MalformedFrame)]
    [InlineData("""{"type":"hello","protocolVersion":1,"clientId":"a"} trailing""", ErrorCodes.MalformedFrame)]
    [InlineData("""{"type":"hello","protocolVersion":1,"clientId":null}""", ErrorCodes.MalformedFrame)]
    [InlineData("""{"type":"hello","protocolVersion":1.5,"clientId":"a"}""", ErrorCodes.MalformedFrame)]
    [InlineData("""{"type":"subscribe","documentId":"a\u0000b"}""", ErrorCodes.MalformedFrame)]
    [InlineData("""{"type":"changes","documentId":"d","changes":[null]}""", ErrorCodes.MalformedFrame)]
    [InlineData("""{"type":"push","documentId":"d","changes":[{"clientId":"c","clientSeq":1,"operations":[null]}]}""", ErrorCodes.MalformedFrame)]
    [InlineData("""{"type":"Hello","protocolVersion":1,"clientId":"a"}""", ErrorCodes.UnknownFrameType)]
    [InlineData("""{"type":"batch"}""", ErrorCodes.UnknownFrameType)]
    public void Decoding_bad_bytes__throws_a_protocol_exception_with_the_right_code(string json, string code)
    {
        var exception = Assert.Throws<ProtocolException>(() => Codec.Decode(Encoding.UTF8.GetBytes(json)));
        Assert.Equal(code, exception.ErrorCode);
        Assert.Equal(ConvergeCloseCodeExtensions.ForErrorCode(code), exception.CloseCode);
    }

    [Fact]
    public void Decoding_deeply_nested_values__is_refused_not_a_stack_overflow()
    {
        var deep = new string('[', 10_000) + new string(']', 10_000);
        var json = $$"""{"type":"snapshot","documentId":"d","sequence":0,"operations":[{"op":"set","key":"k","value":{{deep}}}]}""";
        Assert.Equal(ErrorCodes.MalformedFrame, Assert.Throws<ProtocolException>(() => Codec.Decode(Encoding.UTF8.GetBytes(json))).ErrorCode);
    }

    [Fact]
    public void Random_bytes__decode_to_a_frame_or_a_protocol_exception_and_nothing_else() =>
        Gen.Byte.Array[0, 200].Sample(bytes => CodecFuzz.DecodesCleanly(Codec, bytes), iter: 20_000);

    [Fact]
    public void Mutated_valid_frames__decode_to_a_frame_or_a_protocol_exception_and_nothing_else() =>
        CodecFuzz.Mutations(Gen.Int[0, Frames.Length - 1].Select(i => Codec.Encode(Frames[i])))
            .Sample(bytes => CodecFuzz.DecodesCleanly(Codec, bytes), iter: 50_000);
}

public sealed class StrictDecodingTests
{
    [Theory]
    [InlineData("""{"type":"error","code":"x","message":"m","retryAfterMs":5,"documentId":""}""")]
    [InlineData("""{"type":"push","documentId":"d","changes":[{"clientId":"c","clientSeq":1,"operations":[{"op":"set","op":"remove","key":"k","value":1}]}]}""")]
    [InlineData("""{"type":"push","documentId":"d","changes":[{"clientId":"c","clientSeq":1,"operations":[{"op":"set","key":"k","key":"j","value":1}]}]}""")]
    [InlineData("""{"type":"push","documentId":"d","changes":[{"clientId":"c","clientSeq":1,"operations":[{"op":"set","key":"k","value":1,"value":2}]}]}""")]
    [InlineData("""{"type":"push","documentId":"d","changes":[{"clientId":"c","clientSeq":1,"operations":[{"op":"remove","key":"k","value":1}]}]}""")]
    [InlineData("""{"type":"push","documentId":"d","changes":[{"clientId":"c","clientSeq":1,"operations":[{"op":"increment","key":"k","by":1.5}]}]}""")]
    [InlineData("""{"type":"push","documentId":"d","changes":[{"clientId":"c","clientSeq":1,"operations":[{"op":"increment","key":"k","by":1,"value":1}]}]}""")]
    [InlineData("""{"type":"push","documentId":"d","changes":[{"clientId":"c","clientSeq":1,"operations":[{"op":"increment","key":"k","by":9007199254740992}]}]}""")]
    [InlineData("""{"type":"push","documentId":"d","changes":[{"clientId":"c","clientSeq":1,"operations":[{"op":"addToSet","key":"k","element":"e"}]}]}""")]
    [InlineData("""{"type":"push","documentId":"d","changes":[{"clientId":"c","clientSeq":1,"operations":[{"op":"addToSet","key":"k","element":"","tag":"t"}]}]}""")]
    [InlineData("""{"type":"push","documentId":"d","changes":[{"clientId":"c","clientSeq":1,"operations":[{"op":"removeFromSet","key":"k","element":"e","tags":[]}]}]}""")]
    [InlineData("""{"type":"push","documentId":"d","changes":[{"clientId":"c","clientSeq":1,"operations":[{"op":"removeFromSet","key":"k","element":"e","tags":[1]}]}]}""")]
    [InlineData("""{"type":"snapshot","documentId":"d","sequence":1,"operations":[],"offset":0}""")]
    [InlineData("""{"type":"welcome","protocolVersion":1,"sessionId":"s","heartbeatIntervalMs":15000,"maxFrameBytes":1024,"maxPendingChanges":0}""")]
    [InlineData("""{"type":"snapshot","documentId":"d","sequence":1,"operations":[{"op":"remove","key":"k"}],"offset":3,"total":3}""")]
    [InlineData("""{"type":"push","documentId":"d","changes":[{"clientId":"c","clientSeq":1,"operations":[{"op":"set","key":"k","value":"\ud800"}]}]}""")]
    [InlineData("""{"type":"push","documentId":"d","changes":[{"clientId":"c","clientSeq":1,"operations":[{"op":"set","key":"k","value":{"\udc00x":1}}]}]}""")]
    [InlineData("""{"type":"push","documentId":"d","changes":[{"clientId":"c","clientSeq":1,"operations":[{"op":"set","key":"\ud800","value":1}]}]}""")]
    [InlineData("""{"type":"push","documentId":"d","changes":[{"clientId":"c","clientSeq":1,"operations":[{"op":"addToSet","key":"k","element":"a\udfff","tag":"t"}]}]}""")]
    [InlineData("""{"type":"push","documentId":"d","changes":[{"clientId":"c","clientSeq":1,"operations":[{"op":"editText","key":"k","rev":0,"delta":[0]}]}]}""")]
    [InlineData("""{"type":"push","documentId":"d","changes":[{"clientId":"c","clientSeq":1,"operations":[{"op":"editText","key":"k","rev":0,"delta":[1,2]}]}]}""")]
    [InlineData("""{"type":"push","documentId":"d","changes":[{"clientId":"c","clientSeq":1,"operations":[{"op":"editText","key":"k","rev":-1,"delta":["a"]}]}]}""")]
    [InlineData("""{"type":"push","documentId":"d","changes":[{"clientId":"c","clientSeq":1,"operations":[{"op":"editText","key":"k","delta":["a"]}]}]}""")]
    [InlineData("""{"type":"push","documentId":"d","changes":[{"clientId":"c","clientSeq":1,"operations":[{"op":"editText","key":"k","rev":0,"delta":[true]}]}]}""")]
    public void Ambiguous_or_contradictory_frames__are_malformed(string json) =>
        Assert.Equal(ErrorCodes.MalformedFrame, Assert.Throws<ProtocolException>(() => JsonFrameCodec.Instance.Decode(Encoding.UTF8.GetBytes(json))).ErrorCode);

    [Fact]
    public void A_batch__decodes_each_frame_in_order_and_rejects_a_bad_member()
    {
        var frames = JsonFrameCodec.Instance.DecodeBatch("""[{"type":"ping","payload":1},{"type":"pong","payload":2}]"""u8);
        Assert.Equal([new PingFrame(1), new PongFrame(2)], frames);
        Assert.Single(JsonFrameCodec.Instance.DecodeBatch("""{"type":"ping","payload":3}"""u8));
        Assert.Throws<ProtocolException>(() => JsonFrameCodec.Instance.DecodeBatch("""[{"type":"ping"},42]"""u8));
        Assert.Throws<ProtocolException>(() => JsonFrameCodec.Instance.DecodeBatch("""[{"type":"ping"}"""u8));
        Assert.Throws<ProtocolException>(() => JsonFrameCodec.Instance.DecodeBatch("""[] []"""u8));
    }

    [Fact]
    public void Random_batches__decode_or_fail_with_a_protocol_exception_only()
    {
        CsCheck.Gen.Byte.Array[0, 100].Select(b => (byte[])[(byte)'[', .. b, (byte)']']).Sample(bytes =>
        {
            try
            {
                JsonFrameCodec.Instance.DecodeBatch(bytes);
            }
            catch (ProtocolException)
            {
            }
        }, iter: 20_000);
    }
}
