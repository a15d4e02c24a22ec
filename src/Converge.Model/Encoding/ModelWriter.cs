using System.Buffers;
using System.Buffers.Binary;

namespace Converge.Model.Encoding;

/// <summary>
/// Appends the primitives of Converge's binary encodings: LEB128 varints (zig-zag for signed), length-prefixed
/// UTF-8 strings and byte runs. Every model type's encoder is written in terms of these, so all share one format.
/// </summary>
public ref struct ModelWriter
{
    private readonly IBufferWriter<byte> _output;

    /// <summary>Creates a writer over <paramref name="output"/>.</summary>
    /// <param name="output">Where bytes go.</param>
    public ModelWriter(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    /// <summary>Writes one byte.</summary>
    /// <param name="value">The byte.</param>
    public readonly void WriteByte(byte value)
    {
        _output.GetSpan(1)[0] = value;
        _output.Advance(1);
    }

    /// <summary>Writes an unsigned LEB128 varint (1–10 bytes).</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteVarUInt(ulong value)
    {
        var span = _output.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        _output.Advance(i);
    }

    /// <summary>Writes a signed varint, zig-zag encoded so that small negatives stay short.</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteVarInt(long value) => WriteVarUInt((ulong)((value << 1) ^ (value >> 63)));

    /// <summary>Writes a little-endian IEEE 754 double (8 bytes).</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteDouble(double value)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(_output.GetSpan(8), value);
        _output.Advance(8);
    }

    /// <summary>Writes a varint length, then the string as UTF-8.</summary>
    /// <param name="value">The string.</param>
    public readonly void WriteString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var length = System.Text.Encoding.UTF8.GetByteCount(value);
        WriteVarUInt((ulong)length);
        var written = System.Text.Encoding.UTF8.GetBytes(value, _output.GetSpan(length));
        _output.Advance(written);
    }

    /// <summary>Writes a varint length, then the bytes.</summary>
    /// <param name="value">The bytes.</param>
    public readonly void WriteBytes(ReadOnlySpan<byte> value)
    {
        WriteVarUInt((ulong)value.Length);
        value.CopyTo(_output.GetSpan(value.Length));
        _output.Advance(value.Length);
    }
}
