using System.Globalization;
using System.Text;
using System.Text.Json;
using Converge.Model.Documents;
using Converge.Protocol;
using Converge.Protocol.Codecs;
using Converge.Protocol.Frames;
using CsCheck;
using MessagePack;

namespace Converge.Protocol.Tests.Codecs;

public sealed class MessagePackFrameCodecTests
{
    private static readonly MessagePackFrameCodec Binary = MessagePackFrameCodec.Instance;
    private static readonly JsonFrameCodec Json = JsonFrameCodec.Instance;

    private static byte[] Encode(Frame frame) => CodecFuzz.Encode(Binary, frame);

    private static readonly string[] AwkwardNumbers =
    [
        "0", "-0", "1.5", "-2.25e-10", "9223372036854775807", "18446744073709551615", "18446744073709551616",
        "123456789012345678901234567890", "0.1000000000000000055511151231257827", "1e400", "1E+2", "3.0",
    ];

    private static Gen<string> JsonText(int depth)
    {
        var primitive = Gen.OneOf(
            Gen.Long.Select(l => l.ToString(CultureInfo.InvariantCulture)),
            Gen.Double.Where(double.IsFinite).Select(d => d.ToString("R", CultureInfo.InvariantCulture)),
            Gen.OneOf<string>(AwkwardNumbers),
            Gen.OneOf<string>("true", "false", "null"),
            Gen.String.Select(s => JsonSerializer.Serialize(s)));
        if (depth == 0)
        {
            return primitive;
        }

        var inner = JsonText(depth - 1);
        return Gen.Frequency<string>(
            (3, (IGen<string>)primitive),
            (1, (IGen<string>)inner.Array[0, 4].Select(items => "[" + string.Join(",", items) + "]")),
            (1, (IGen<string>)Gen.Select(Gen.String[0, 6], inner).Array[0, 4].Select(pairs =>
                "{" + string.Join(",", pairs.DistinctBy(p => p.Item1).Select(p => JsonSerializer.Serialize(p.Item1) + ":" + p.Item2)) + "}")));
    }

    private static readonly Gen<string> Id = Gen.String[Gen.Char.AlphaNumeric, 1, 20];

    private static readonly Gen<DocumentOperation> Operation = Gen.OneOf(
        Gen.Select(Id, JsonText(3)).Select(t => (DocumentOperation)new SetValue(t.Item1, JsonDocument.Parse(t.Item2).RootElement.Clone())),
        Id.Select(k => (DocumentOperation)new RemoveValue(k)),
        Gen.Select(Id, Gen.Long[-IncrementValue.MaxMagnitude, IncrementValue.MaxMagnitude]).Select(t => (DocumentOperation)new IncrementValue(t.Item1, t.Item2)),
        Gen.Select(Id, Id, Id).Select(t => (DocumentOperation)new AddToSet(t.Item1, t.Item2, t.Item3)),
        Gen.Select(Id, Id, Id.Array[1, 4]).Select(t => (DocumentOperation)new RemoveFromSet(t.Item1, t.Item2, t.Item3)),
        Gen.Select(Id, Gen.Int[0, 5], Id, Gen.Int[0, 5], Gen.Long[0, 1000]).Select(t =>
            (DocumentOperation)new EditText(t.Item1, new Converge.Model.Ot.TextDeltaBuilder().Retain(t.Item2).Insert(t.Item3).Delete(t.Item4).Build(), t.Item5)),
        Gen.Select(Id, Id).Select(t => (DocumentOperation)new EditCrdtText(t.Item1, Converge.Model.Text.TextOperationCodec.Encode([new Converge.Model.Text.CrdtText("r").Insert(0, t.Item2)!]))),
        Gen.Select(Id, Gen.Int[0, 5], Id, Gen.Long[1, 1000].Nullable(), Gen.Select(Gen.Long[0, 1000], Gen.Int[0, 5], Id).Array[0, 3]).Select(t =>
            (DocumentOperation)new EditText(t.Item1, Converge.Model.Ot.TextDelta.ForEdit(t.Item2, 0, 0, t.Item3), 3, t.Item4,
                t.Item5.Length == 0 ? null : [.. t.Item5.Select(s => new TextBridgeStep(s.Item1, Converge.Model.Ot.TextDelta.ForEdit(s.Item2, s.Item2, 0, s.Item3)))])));

    private static readonly Gen<Frame> AnyFrame = Gen.OneOf(
        Gen.Select(Id, Id.Null(), Gen.Select(Id, Gen.Long[0, long.MaxValue]).Select(t => new Subscription(t.Item1, t.Item2)).Array[0, 3])
            .Select(t => (Frame)new HelloFrame(1, t.Item1, t.Item2, t.Item3.Length == 0 ? null : t.Item3)),
        Gen.Select(Id, Gen.Long[0, long.MaxValue], Operation.Array[0, 4]).Select(t => (Frame)new SnapshotFrame(t.Item1, t.Item2, t.Item3)),
        Gen.Select(Id, Gen.Long[0, long.MaxValue], Operation.Array[0, 4], Gen.Long[0, 1000]).Select(t => (Frame)new SnapshotFrame(t.Item1, t.Item2, t.Item3, t.Item4, t.Item4 + t.Item3.Length + 5)),
        Gen.Select(Id, Gen.Long[0, long.MaxValue], Operation.Array[0, 4], Gen.Long[0, 1000].Nullable(), Gen.Long[1, 1000]).Select(t =>
            (Frame)new SnapshotFrame(t.Item1, t.Item2, t.Item3, t.Item4, t.Item4 is { } offset ? offset + t.Item3.Length + 5 : null, t.Item5)),
        Gen.Select(Id, Gen.Select(Id, Gen.Long[1, long.MaxValue], Operation.Array[1, 4]).Select(t => new ClientChange(t.Item1, t.Item2, t.Item3)).Array[1, 3])
            .Select(t => (Frame)new PushFrame(t.Item1, t.Item2)),
        Gen.Select(Id, Gen.Select(Gen.Long[1, long.MaxValue], Id, Gen.Long[1, 1000], Operation.Array[1, 3]).Select(t => new ServerChange(t.Item1, t.Item2, t.Item3, t.Item4)).Array[1, 3])
            .Select(t => (Frame)new ChangesFrame(t.Item1, t.Item2)),
        Gen.Select(Id, Gen.Long[1, 100], Gen.Long[1, 100]).Select(t => (Frame)new AckFrame(t.Item1, t.Item2, t.Item3)),
        Gen.Select(Id, Gen.Long[1, 100], Id, Gen.String).Select(t => (Frame)new RejectFrame(t.Item1, t.Item2, t.Item3, t.Item4)),
        Gen.Select(Id, Gen.String, Gen.Long[0, 100000].Nullable(), Id.Null()).Select(t => (Frame)new ErrorFrame(t.Item1, t.Item2, t.Item3, t.Item4)),
        Gen.Long.Select(p => (Frame)new PingFrame(p)),
        Gen.Long.Select(p => (Frame)new PongFrame(p)),
        Gen.Select(Id, Gen.Long[0, 100]).Select(t => (Frame)new SubscribeFrame(t.Item1, t.Item2)),
        Id.Select(d => (Frame)new UnsubscribeFrame(d)),
        Gen.Select(Id, Gen.Long[0, 100]).Select(t => (Frame)new SubscribedFrame(t.Item1, t.Item2)),
        Gen.Select(Id, Gen.Long[1, 100000], Gen.Int[1024, 1 << 24], Gen.Int[1, 1 << 20].Nullable()).Select(t => (Frame)new WelcomeFrame(1, t.Item1, t.Item2, t.Item3, t.Item4)));

    [Fact]
    public void A_deeply_nested_unknown_trailing_field__is_malformed_not_a_stack_overflow()
    {
        // [7 (push), "d", [], <a million nested one-element arrays>]: the trailing field is skipped, within the depth limit.
        var bytes = new List<byte> { 0x94, 0x07, 0xA1, (byte)'d', 0x90 };
        bytes.AddRange(Enumerable.Repeat((byte)0x91, 1_000_000));
        bytes.Add(0xC0);
        Assert.Equal(ErrorCodes.MalformedFrame, Assert.Throws<ProtocolException>(() => Binary.Decode(bytes.ToArray())).ErrorCode);
    }

    [Fact]
    public void A_string_that_is_not_utf8__is_malformed_not_silently_replaced()
    {
        // [11 (ping)... no: [3 (subscribe), <str with 0xFF>, 0]
        byte[] bytes = [0x93, 0x03, 0xA2, (byte)'d', 0xFF, 0x00];
        Assert.Equal(ErrorCodes.MalformedFrame, Assert.Throws<ProtocolException>(() => Binary.Decode(bytes)).ErrorCode);
    }

    [Fact]
    public void A_value_string_or_map_key_that_is_not_utf8__is_malformed_not_silently_replaced()
    {
        // [3 (subscribe)... no: a snapshot whose one set's value is "a\xFF", then one whose value is {"a\xFF": 1}.
        var valid = Encode(new SnapshotFrame("d", 1, [new SetValue("k", JsonDocument.Parse("\"ab\"").RootElement)]));
        var asValue = Replace(valid, [0xA2, (byte)'a', (byte)'b'], [0xA2, (byte)'a', 0xFF]);
        Assert.Equal(ErrorCodes.MalformedFrame, Assert.Throws<ProtocolException>(() => Binary.Decode(asValue)).ErrorCode);

        var map = Encode(new SnapshotFrame("d", 1, [new SetValue("k", JsonDocument.Parse("{\"ab\":1}").RootElement)]));
        var asKey = Replace(map, [0xA2, (byte)'a', (byte)'b'], [0xA2, (byte)'a', 0xFF]);
        Assert.Equal(ErrorCodes.MalformedFrame, Assert.Throws<ProtocolException>(() => Binary.Decode(asKey)).ErrorCode);
    }

    [Fact]
    public void A_short_string_that_is_not_utf8__stays_malformed_when_decoded_again()
    {
        // The decoder remembers short strings by their bytes; invalid ones must never be remembered as valid.
        byte[] bytes = [0x93, 0x03, 0xA2, (byte)'d', 0xFF, 0x00];
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(ErrorCodes.MalformedFrame, Assert.Throws<ProtocolException>(() => Binary.Decode(bytes)).ErrorCode);
        }
    }

    [Fact]
    public void The_same_client_id_and_key_in_every_change__decode_to_one_string_instance()
    {
        var value = JsonDocument.Parse("[1,\"x\"]").RootElement;
        var frame = new ChangesFrame("d", [new ServerChange(1, "client-1", 1, [new SetValue("key", value)]), new ServerChange(2, "client-1", 2, [new SetValue("key", value)])]);
        var decoded = (ChangesFrame)Binary.Decode(Encode(frame));
        Assert.Same(decoded.Changes[0].ClientId, decoded.Changes[1].ClientId);
        Assert.Same(decoded.Changes[0].Operations[0].Key, decoded.Changes[1].Operations[0].Key);
        Assert.Equal("client-1", decoded.Changes[1].ClientId);
    }

    [Fact]
    public void Negative_integers_in_a_value__decode_without_throwing_an_exception_inside()
    {
        // Each exception thrown and caught inside the decoder costs microseconds; negative numbers are ordinary values.
        var frame = Encode(new SnapshotFrame("d", 1, [new SetValue("n", JsonDocument.Parse("[-1,-200,-70000,-5000000000]").RootElement)]));
        Binary.Decode(frame);
        var thrown = 0;
        var thread = Environment.CurrentManagedThreadId;
        void Count(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (Environment.CurrentManagedThreadId == thread)
            {
                Interlocked.Increment(ref thrown);
            }
        }

        AppDomain.CurrentDomain.FirstChanceException += Count;
        SnapshotFrame decoded;
        try
        {
            decoded = (SnapshotFrame)Binary.Decode(frame);
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= Count;
        }

        Assert.Equal(0, thrown);
        Assert.Equal("[-1,-200,-70000,-5000000000]", ((SetValue)decoded.Operations[0]).Value.GetRawText());
    }

    private static byte[] Replace(byte[] bytes, byte[] find, byte[] with)
    {
        var at = bytes.AsSpan().IndexOf(find);
        Assert.True(at >= 0);
        var copy = bytes.ToArray();
        with.CopyTo(copy, at);
        return copy;
    }

    [Fact]
    public void Any_frame__means_the_same_after_a_trip_through_messagepack_as_in_json()
    {
        AnyFrame.Sample(frame =>
        {
            var viaBinary = Binary.Decode(Encode(frame));
            Assert.Equal(Encoding.UTF8.GetString(Json.Encode(frame)), Encoding.UTF8.GetString(Json.Encode(viaBinary)));
        }, iter: 2000);
    }

    [Fact]
    public void Numbers_a_double_cannot_carry__keep_their_exact_text()
    {
        foreach (var number in AwkwardNumbers)
        {
            var frame = new SnapshotFrame("d", 1, [new SetValue("n", JsonDocument.Parse(number).RootElement)]);
            var value = ((SetValue)((SnapshotFrame)Binary.Decode(Encode(frame))).Operations[0]).Value;
            Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(number).RootElement, value), $"{number} came back as {value.GetRawText()}");
        }
    }

    [Fact]
    public void The_binary_encoding__is_smaller_than_json_for_a_typical_changes_frame()
    {
        var value = JsonDocument.Parse("""{"title":"Card","votes":3,"done":false}""").RootElement;
        var frame = new ChangesFrame("board-1", Enumerable.Range(1, 16).Select(i => new ServerChange(i, "client-1", i, [new SetValue($"card-{i}", value)])).ToArray());
        Assert.True(Encode(frame).Length < Json.Encode(frame).Length * 0.75, $"{Encode(frame).Length} vs {Json.Encode(frame).Length}");
    }

    [Theory]
    [InlineData(new byte[] { 0x91, 0x63 }, ErrorCodes.UnknownFrameType)] // [99]
    [InlineData(new byte[] { 0x90 }, ErrorCodes.MalformedFrame)] // []
    [InlineData(new byte[] { 0x81, 0x01, 0x01 }, ErrorCodes.MalformedFrame)] // a map, not an array
    [InlineData(new byte[] { 0x92, 0x03, 0xA1, 0x64 }, ErrorCodes.MalformedFrame)] // subscribe missing since
    [InlineData(new byte[] { 0x93, 0x03, 0xA0, 0x00 }, ErrorCodes.MalformedFrame)] // subscribe with an empty id
    [InlineData(new byte[] { 0x93, 0x03, 0xA1, 0x64, 0x00, 0x00 }, ErrorCodes.MalformedFrame)] // trailing bytes
    [InlineData(new byte[] { 0xDD, 0x7F, 0xFF, 0xFF, 0xFF }, ErrorCodes.MalformedFrame)] // an array claiming 2^31 elements
    public void Bad_binary_frames__throw_a_protocol_exception_with_the_right_code(byte[] bytes, string code) =>
        Assert.Equal(code, Assert.Throws<ProtocolException>(() => Binary.Decode(bytes)).ErrorCode);

    [Fact]
    public void Extra_trailing_fields__are_ignored_for_forward_compatibility()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(4);
        writer.Write(11); // ping
        writer.Write(5L);
        writer.Write("a later field");
        writer.WriteArrayHeader(0);
        writer.Flush();
        Assert.Equal(new PingFrame(5), Binary.Decode(buffer.WrittenSpan));
    }

    [Fact]
    public void Random_bytes__decode_to_a_frame_or_a_protocol_exception_and_nothing_else() =>
        Gen.Byte.Array[0, 200].Sample(bytes => CodecFuzz.DecodesCleanly(Binary, bytes), iter: 20_000);

    [Fact]
    public void Mutated_valid_frames__decode_to_a_frame_or_a_protocol_exception_and_nothing_else() =>
        CodecFuzz.Mutations(AnyFrame.Select(Encode)).Sample(bytes => CodecFuzz.DecodesCleanly(Binary, bytes), iter: 50_000);

    [Fact]
    public void Encoded_changes_frames_joined_without_decoding__decode_as_one_frame_with_every_change_in_order()
    {
        var value = System.Text.Json.JsonSerializer.SerializeToElement(new { title = "Ünïcödé ✓", n = -1 });
        ChangesFrame Changes(params long[] sequences) =>
            new("doc", [.. sequences.Select(s => new ServerChange(s, "c" + s, s, [new SetValue("k" + s, value), new IncrementValue("v", s)]))]);
        var parts = new[] { Changes(1, 2), Changes(3), Changes(4, 5, 6) }.Select(f => (ReadOnlyMemory<byte>)Encode(f)).ToArray();
        var output = new System.Buffers.ArrayBufferWriter<byte>();

        MessagePackFrameCodec.WriteJoinedChanges("doc", parts, output);

        var joined = Assert.IsType<ChangesFrame>(Binary.Decode(output.WrittenSpan));
        var expected = Changes(1, 2, 3, 4, 5, 6);
        Assert.Equal("doc", joined.DocumentId);
        Assert.Equal(expected.Changes.Select(static c => (c.Sequence, c.ClientId, c.ClientSeq)), joined.Changes.Select(static c => (c.Sequence, c.ClientId, c.ClientSeq)));
        Assert.All(joined.Changes, c => Assert.True(System.Text.Json.JsonElement.DeepEquals(value, ((SetValue)c.Operations[0]).Value)));
    }

    [Fact]
    public void Only_encoded_changes_frames_can_be_joined()
    {
        var ack = (ReadOnlyMemory<byte>)Encode(new AckFrame("doc", 1, 1));
        Assert.False(MessagePackFrameCodec.TryReadChangesHead(ack, out _, out _));
        Assert.False(MessagePackFrameCodec.TryReadChangesHead(new byte[] { 0x93, 0xff }, out _, out _));
        Assert.Throws<ArgumentException>(() => MessagePackFrameCodec.WriteJoinedChanges("doc", [ack], new System.Buffers.ArrayBufferWriter<byte>()));
    }
}
