using Converge.Model.Encoding;
using Converge.Model.Text;
using CsCheck;

namespace Converge.Model.Tests.Text;

public sealed class TextEncodingTests
{
    private static readonly Gen<(byte[] State, byte[] Operations)> ValidEncodings =
        Gen.Select(Gen.Int[2, 4], Gen.Int, Gen.Int[1, 40]).Select(static s =>
        {
            var session = new TextSession(s.Item1, s.Item2, causal: false);
            session.Run(s.Item3);
            return (session.Replicas[0].Encode(), TextOperationCodec.Encode(session.Log));
        });

    [Fact]
    public void Decoding_random_bytes__throws_only_ModelEncodingException()
    {
        Gen.Byte.Array[0, 300].Sample(bytes =>
        {
            DecodesOrRejects(bytes);
        }, iter: 1000);
    }

    [Fact]
    public void Decoding_mutated_valid_encodings__throws_only_ModelEncodingException()
    {
        Gen.Select(ValidEncodings, Gen.Int, Gen.Int[1, 4]).Sample((encodings, seed, mutations) =>
        {
            var random = new Random(seed);
            foreach (var valid in new[] { encodings.State, encodings.Operations })
            {
                var bytes = valid.ToList();
                for (var m = 0; m < mutations && bytes.Count > 0; m++)
                {
                    var at = random.Next(bytes.Count);
                    switch (random.Next(4))
                    {
                        case 0:
                            bytes[at] = (byte)random.Next(256);
                            break;
                        case 1:
                            bytes[at] ^= (byte)(1 << random.Next(8));
                            break;
                        case 2:
                            bytes.RemoveRange(at, bytes.Count - at);
                            break;
                        default:
                            bytes.Insert(at, (byte)random.Next(256));
                            break;
                    }
                }

                DecodesOrRejects(bytes.ToArray());
            }
        }, iter: 1000);
    }

    [Fact]
    public void Decoding_a_state__rejects_a_wrong_format_byte_and_trailing_bytes()
    {
        var text = new CrdtText("a");
        text.Insert(0, "hello");
        var bytes = text.Encode();

        Assert.Throws<ModelEncodingException>(() => CrdtText.Decode([0x7F, .. bytes[1..]], "b"));
        Assert.Throws<ModelEncodingException>(() => CrdtText.Decode([.. bytes, 0], "b"));
        Assert.Throws<ModelEncodingException>(() => TextOperationCodec.Decode(bytes));
        Assert.Equal("hello", CrdtText.Decode(bytes, "b").ToString());
    }

    [Fact]
    public void Decoding_a_state_that_claims_a_huge_clock__is_rejected_without_allocating_it()
    {
        // Two replicas each claiming 2^30 clocks: over the document-wide limit.
        byte[] bytes = [CrdtText.StateFormatV1, 2, 1, (byte)'a', 0, 0x80, 0x80, 0x80, 0x80, 0x04, 1, (byte)'b', 0, 0x80, 0x80, 0x80, 0x80, 0x04, 0, 0, 0];

        Assert.Throws<ModelEncodingException>(() => CrdtText.Decode(bytes, "c"));
    }

    [Fact]
    public void Encoding_a_state__writes_tombstones_without_their_text()
    {
        var text = new CrdtText("a");
        text.Insert(0, new string('x', 1000));
        var full = text.Encode().Length;
        text.Delete(0, 1000);

        Assert.True(text.Encode().Length < full / 10);
    }

    private static void DecodesOrRejects(byte[] bytes)
    {
        try
        {
            var text = CrdtText.Decode(bytes, "fuzz");
            _ = text.ToString();
            _ = text.Encode();
        }
        catch (ModelEncodingException)
        {
        }

        try
        {
            _ = TextOperationCodec.Decode(bytes);
        }
        catch (ModelEncodingException)
        {
        }
    }
}
