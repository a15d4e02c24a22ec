using System.Buffers;
using Converge.Model.Encoding;
using CsCheck;

namespace Converge.Model.Tests;

/// <summary>The encoding laws every model type must satisfy, as reusable CsCheck properties.</summary>
internal static class EncodingProperties
{
    public const int Iterations = 1000;

    public static byte[] Bytes(Action<IBufferWriter<byte>> encode)
    {
        var buffer = new ArrayBufferWriter<byte>();
        encode(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Random bytes, and valid encodings mutated (flipped, truncated, spliced, padded), fail cleanly.</summary>
    public static void AssertHostileBytesFailCleanly(Gen<byte[]> validEncodings, Action<byte[]> decode)
    {
        var random = Gen.Byte.Array[0, 64];
        var mutated = Gen.Select(validEncodings, Gen.Int[0, 5], Gen.Int, Gen.Byte.Array[1, 12])
            .Select(static (valid, kind, position, noise) => Mutate(valid, kind, position, noise));
        var prefixed = Gen.Select(validEncodings, Gen.Byte.Array[0, 11])
            .Select(static (valid, tail) => valid.Length == 0 ? tail : [valid[0], .. tail]);
        Gen.Frequency((1, random), (3, mutated), (1, prefixed)).Sample(bytes => DecodeFailsCleanly(bytes, decode), iter: Iterations);
    }

    public static void DecodeFailsCleanly(byte[] bytes, Action<byte[]> decode)
    {
        try
        {
            decode(bytes);
        }
        catch (ModelEncodingException)
        {
        }
        catch (Exception e)
        {
            Assert.Fail($"Decoding [{Convert.ToHexString(bytes)}] threw {e.GetType().Name} instead of ModelEncodingException: {e}");
        }
    }

    private static byte[] Mutate(byte[] valid, int kind, int position, byte[] noise)
    {
        if (valid.Length == 0)
        {
            return noise;
        }

        var at = (int)((uint)position % (uint)valid.Length);
        var copy = valid.ToList();
        switch (kind)
        {
            case 0:
                copy[at] = noise[0];
                break;
            case 1:
                copy.RemoveRange(at, copy.Count - at);
                break;
            case 2:
                copy.InsertRange(at, noise);
                break;
            case 3:
                copy.RemoveRange(at, Math.Min(noise.Length, copy.Count - at));
                break;
            case 4:
                copy[at] = 0xFF;
                copy.InsertRange(at, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]);
                break;
            default:
                copy.AddRange(noise);
                break;
        }

        return [.. copy];
    }
}
