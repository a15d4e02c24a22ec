using Converge.Protocol;
using Converge.Protocol.Codecs;
using Converge.Protocol.Frames;
using CsCheck;

namespace Converge.Protocol.Tests.Codecs;

/// <summary>Hostile-input checks shared by every codec's tests: random bytes and mutations of valid encodings.</summary>
internal static class CodecFuzz
{
    /// <summary>Mutations (overwrite, insert, delete a byte) of valid encodings.</summary>
    public static Gen<byte[]> Mutations(Gen<byte[]> valid) =>
        from bytes in valid
        from edits in Gen.Select(Gen.Int[0, 4000], Gen.Int[0, 2], Gen.Byte).Array[1, 8]
        select Mutate(bytes, edits);

    /// <summary>True when <paramref name="bytes"/> decode to a frame that encodes again, or fail as the protocol says.</summary>
    public static bool DecodesCleanly(IFrameCodec codec, byte[] bytes)
    {
        try
        {
            var frame = codec.Decode(bytes);
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            codec.Encode(frame, buffer);
            return buffer.WrittenCount > 0;
        }
        catch (ProtocolException ex)
        {
            return ex.ErrorCode is ErrorCodes.MalformedFrame or ErrorCodes.UnknownFrameType;
        }
    }

    public static byte[] Encode(IFrameCodec codec, Frame frame)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        codec.Encode(frame, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Mutate(byte[] source, (int Position, int Kind, byte Value)[] edits)
    {
        var bytes = new List<byte>(source);
        foreach (var (position, kind, value) in edits)
        {
            var at = bytes.Count == 0 ? 0 : position % bytes.Count;
            switch (kind)
            {
                case 0 when bytes.Count > 0: bytes[at] = value; break;
                case 1: bytes.Insert(at, value); break;
                case 2 when bytes.Count > 0: bytes.RemoveAt(at); break;
            }
        }

        return [.. bytes];
    }
}
