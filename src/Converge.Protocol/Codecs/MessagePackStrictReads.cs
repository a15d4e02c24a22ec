using System.Buffers;
using System.Text;
using MessagePack;

namespace Converge.Protocol.Codecs;

/// <summary>
/// The reads where MessagePackReader is too trusting for hostile input: its Skip recurses without a depth limit (a
/// deeply nested unknown field would overflow the stack and kill the process), and its ReadString replaces invalid
/// UTF-8 silently (the text would change on the way through).
/// </summary>
internal static class MessagePackStrictReads
{
    public const int MaxDepth = 64;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Skips one value of any kind, at most <see cref="MaxDepth"/> levels deep, checking every header against the bytes left.</summary>
    public static void Skip(ref MessagePackReader reader, int depth)
    {
        if (depth > MaxDepth)
        {
            throw Malformed($"A value is nested deeper than {MaxDepth} levels.");
        }

        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Array:
                for (var count = MessagePackFrameCodec.ReadArrayHeader(ref reader); count > 0; count--)
                {
                    Skip(ref reader, depth + 1);
                }

                break;
            case MessagePackType.Map:
                var pairs = reader.ReadMapHeader();
                if (2L * pairs > reader.Sequence.Length - reader.Consumed)
                {
                    throw Malformed($"A map claims {pairs} entries, more than the bytes left.");
                }

                for (var count = 2L * pairs; count > 0; count--)
                {
                    Skip(ref reader, depth + 1);
                }

                break;
            case MessagePackType.Unknown:
                throw Malformed($"Code 0x{reader.NextCode:x2} is not MessagePack.");
            default:
                reader.Skip();
                break;
        }
    }

    /// <summary>A str (or nil, as null) that must be valid UTF-8.</summary>
    public static string? ReadString(ref MessagePackReader reader)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        try
        {
            if (reader.TryReadStringSpan(out var span))
            {
                return span.Length <= Utf8StringCache.MaxBytes ? Utf8StringCache.Current.Get(span, StrictUtf8) : StrictUtf8.GetString(span);
            }

            return StrictUtf8.GetString(reader.ReadStringSequence()!.Value);
        }
        catch (DecoderFallbackException)
        {
            throw Malformed("A string is not valid UTF-8.");
        }
    }

    /// <summary>
    /// A str's bytes, checked to be valid UTF-8, without making a string: for values that go straight on into JSON.
    /// The span points into the reader's buffer; <paramref name="scratch"/> holds the bytes when the str spans segments.
    /// </summary>
    public static ReadOnlySpan<byte> ReadUtf8(ref MessagePackReader reader, ref byte[]? scratch)
    {
        if (!reader.TryReadStringSpan(out var span))
        {
            var sequence = reader.ReadStringSequence() ?? throw Malformed("A required string is nil.");
            scratch = sequence.ToArray();
            span = scratch;
        }

        return System.Text.Unicode.Utf8.IsValid(span) ? span : throw Malformed("A string is not valid UTF-8.");
    }

    private static ProtocolException Malformed(string message) => new(ErrorCodes.MalformedFrame, message);
}
