using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MessagePack;

namespace Converge.Protocol.Codecs;

/// <summary>
/// JSON values as native MessagePack, losslessly. Objects become maps with string keys, arrays arrays, strings str,
/// true/false/null bool/nil. Numbers: integers that fit become MessagePack integers; others become float64 when the
/// double prints back to the same JSON text; anything else (very long or very precise numbers) travels as its exact
/// JSON text in ext type <see cref="NumberTextExtension"/>, so a value always decodes to what was encoded.
/// </summary>
internal static class MessagePackJson
{
    /// <summary>The ext type that carries a JSON number's text.</summary>
    public const sbyte NumberTextExtension = 1;

    public static void Write(ref MessagePackWriter writer, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                var count = 0;
                foreach (var _ in value.EnumerateObject())
                {
                    count++;
                }

                writer.WriteMapHeader(count);
                foreach (var property in value.EnumerateObject())
                {
                    writer.Write(property.Name);
                    Write(ref writer, property.Value);
                }

                break;
            case JsonValueKind.Array:
                writer.WriteArrayHeader(value.GetArrayLength());
                foreach (var item in value.EnumerateArray())
                {
                    Write(ref writer, item);
                }

                break;
            case JsonValueKind.String:
                writer.Write(value.GetString());
                break;
            case JsonValueKind.True:
                writer.Write(true);
                break;
            case JsonValueKind.False:
                writer.Write(false);
                break;
            case JsonValueKind.Null:
                writer.WriteNil();
                break;
            case JsonValueKind.Number:
                WriteNumber(ref writer, value);
                break;
            default:
                throw new ArgumentException($"A {value.ValueKind} JSON value has no encoding.", nameof(value));
        }
    }

    // One JSON buffer and writer per thread, reused: a client decodes every value of every change it receives through
    // here, and a fresh writer, buffer and parsed-then-cloned document per value were most of a receiver's CPU with
    // 1,000 subscribers (docs/benchmarks.md, "Hot path"). Read is never re-entered on a thread (Copy does not call it).
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    [ThreadStatic]
    private static int t_writerDepth;

    public static JsonElement Read(ref MessagePackReader reader, int maxDepth)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(256);
        buffer.ResetWrittenCount();
        var json = t_writer;
        if (json is null || t_writerDepth != maxDepth)
        {
            json = t_writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = false, MaxDepth = maxDepth + 1 });
            t_writerDepth = maxDepth;
        }
        else
        {
            json.Reset(buffer);
        }

        try
        {
            Copy(ref reader, json, maxDepth);
            json.Flush();
        }
        catch
        {
            // A half-written value leaves the writer mid-document: start the next value on a fresh one.
            t_writer = null;
            throw;
        }

        // Parse builds one standalone document (no pooled buffers to return, nothing to clone) in a single pass over the
        // text; JsonElement.ParseValue(ref Utf8JsonReader) reads it twice (docs/benchmarks.md, "Hot path", fix 7).
        var value = JsonElement.Parse(buffer.WrittenSpan, new JsonDocumentOptions { MaxDepth = maxDepth + 1 });
        if (buffer.Capacity > 64 * 1024)
        {
            // Do not keep one huge value's buffer alive for the thread's lifetime.
            t_buffer = null;
            t_writer = null;
        }

        return value;
    }

    // Each path is taken only when it reproduces the exact text: "-0", "1E+2" or "3.0" must not come back as 0, 100 or 3.
    private static void WriteNumber(ref MessagePackWriter writer, JsonElement value)
    {
        var text = value.GetRawText();
        if (value.TryGetInt64(out var integer) && integer.ToString(CultureInfo.InvariantCulture) == text)
        {
            writer.Write(integer);
            return;
        }

        if (value.TryGetUInt64(out var unsigned) && unsigned.ToString(CultureInfo.InvariantCulture) == text)
        {
            writer.Write(unsigned);
            return;
        }

        if (value.TryGetDouble(out var number) && double.IsFinite(number)
            && number.ToString("R", CultureInfo.InvariantCulture) == text)
        {
            writer.Write(number);
            return;
        }

        writer.WriteExtensionFormat(new ExtensionResult(NumberTextExtension, Encoding.UTF8.GetBytes(text)));
    }

    private static void Copy(ref MessagePackReader reader, Utf8JsonWriter json, int depthLeft)
    {
        if (depthLeft < 0)
        {
            throw new ProtocolException(ErrorCodes.MalformedFrame, "A value is nested too deeply.");
        }

        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Map:
                var entries = reader.ReadMapHeader();
                if (entries > reader.Sequence.Length - reader.Consumed)
                {
                    throw new ProtocolException(ErrorCodes.MalformedFrame, $"A map claims {entries} entries, more than the bytes left.");
                }

                json.WriteStartObject();
                for (var i = 0; i < entries; i++)
                {
                    if (reader.NextMessagePackType != MessagePackType.String)
                    {
                        throw new ProtocolException(ErrorCodes.MalformedFrame, "Map keys must be strings.");
                    }

                    byte[]? nameScratch = null;
                    json.WritePropertyName(MessagePackStrictReads.ReadUtf8(ref reader, ref nameScratch));
                    Copy(ref reader, json, depthLeft - 1);
                }

                json.WriteEndObject();
                break;
            case MessagePackType.Array:
                var items = MessagePackFrameCodec.ReadArrayHeader(ref reader);
                json.WriteStartArray();
                for (var i = 0; i < items; i++)
                {
                    Copy(ref reader, json, depthLeft - 1);
                }

                json.WriteEndArray();
                break;
            case MessagePackType.String:
                // Straight from the frame's UTF-8 (checked) into the JSON: no string in between.
                byte[]? scratch = null;
                json.WriteStringValue(MessagePackStrictReads.ReadUtf8(ref reader, ref scratch));
                break;
            case MessagePackType.Boolean:
                json.WriteBooleanValue(reader.ReadBoolean());
                break;
            case MessagePackType.Nil:
                reader.ReadNil();
                json.WriteNullValue();
                break;
            case MessagePackType.Integer:
                if (reader.TryReadUInt64(out var unsigned))
                {
                    json.WriteNumberValue(unsigned);
                }
                else
                {
                    json.WriteNumberValue(reader.ReadInt64());
                }

                break;
            case MessagePackType.Float:
                var number = reader.ReadDouble();
                if (!double.IsFinite(number))
                {
                    throw new ProtocolException(ErrorCodes.MalformedFrame, "JSON has no NaN or infinity.");
                }

                json.WriteNumberValue(number);
                break;
            case MessagePackType.Extension:
                var extension = reader.ReadExtensionFormat();
                if (extension.TypeCode != NumberTextExtension)
                {
                    throw new ProtocolException(ErrorCodes.MalformedFrame, $"Unknown extension type {extension.TypeCode} in a value.");
                }

                var text = extension.Data.ToArray();
                ValidateNumber(text);
                json.WriteRawValue(text, skipInputValidation: true);
                break;
            default:
                throw new ProtocolException(ErrorCodes.MalformedFrame, $"A {reader.NextMessagePackType} cannot be a JSON value.");
        }
    }

    private static void ValidateNumber(byte[] text)
    {
        var reader = new Utf8JsonReader(text);
        if (!reader.Read() || reader.TokenType != JsonTokenType.Number || reader.Read())
        {
            throw new ProtocolException(ErrorCodes.MalformedFrame, "A number-text extension does not hold one JSON number.");
        }
    }

    private static bool TryReadUInt64(this ref MessagePackReader reader, out ulong value)
    {
        // Values above long.MaxValue only fit a ulong, and only the uint64 format holds them; everything else reads as a
        // long below. Checked by the format code, not by catching ReadUInt64's OverflowException: every negative number
        // would otherwise cost an exception.
        if (reader.NextCode == MessagePackCode.UInt64)
        {
            var peek = reader.CreatePeekReader();
            value = peek.ReadUInt64();
            if (value > long.MaxValue)
            {
                reader.ReadUInt64();
                return true;
            }
        }

        value = 0;
        return false;
    }
}
