using System.Buffers.Binary;

namespace Converge.Model.Encoding;

/// <summary>
/// Reads what <see cref="ModelWriter"/> wrote, defensively: every read is bounds-checked, every length is checked
/// against the bytes that remain before anything is allocated, and every failure is a
/// <see cref="ModelEncodingException"/> naming the offset.
/// </summary>
public ref struct ModelReader
{
    private readonly ReadOnlySpan<byte> _bytes;
    private int _position;

    /// <summary>Creates a reader over <paramref name="bytes"/>.</summary>
    /// <param name="bytes">The encoded bytes.</param>
    public ModelReader(ReadOnlySpan<byte> bytes)
    {
        _bytes = bytes;
        _position = 0;
    }

    /// <summary>The offset of the next byte.</summary>
    public readonly int Position => _position;

    /// <summary>How many bytes are left.</summary>
    public readonly int Remaining => _bytes.Length - _position;

    /// <summary>Whether every byte has been read.</summary>
    public readonly bool End => _position == _bytes.Length;

    /// <summary>Reads one byte.</summary>
    public byte ReadByte()
    {
        if (_position >= _bytes.Length)
        {
            throw Truncated("a byte");
        }

        return _bytes[_position++];
    }

    /// <summary>Reads an unsigned LEB128 varint of at most 10 bytes.</summary>
    public ulong ReadVarUInt()
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            var b = ReadByte();
            if (shift == 63 && b > 1)
            {
                throw Fail("a varint overflows 64 bits");
            }

            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw Fail("a varint is longer than 10 bytes");
    }

    /// <summary>Reads a zig-zag signed varint.</summary>
    public long ReadVarInt()
    {
        var raw = ReadVarUInt();
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    /// <summary>Reads an unsigned varint that must fit in an <see cref="int"/> and be at most <paramref name="max"/>.</summary>
    /// <param name="max">The largest value accepted.</param>
    /// <param name="what">What the value is, for the error message.</param>
    public int ReadCount(int max, string what)
    {
        var value = ReadVarUInt();
        return value > (ulong)max ? throw Fail($"{what} is {value}; the limit is {max}") : (int)value;
    }

    /// <summary>Reads a little-endian double.</summary>
    public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8, "a double"));

    /// <summary>Reads a length-prefixed UTF-8 string of at most <paramref name="maxBytes"/> bytes.</summary>
    /// <param name="maxBytes">The longest encoding accepted.</param>
    public string ReadString(int maxBytes = 1 << 24)
    {
        var length = ReadCount(Math.Min(maxBytes, Remaining), "a string's length");
        try
        {
            return StrictUtf8.GetString(Take(length, "a string"));
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw Fail("a string is not valid UTF-8");
        }
    }

    /// <summary>Reads a length-prefixed byte run of at most <paramref name="maxBytes"/> bytes, without copying.</summary>
    /// <param name="maxBytes">The longest run accepted.</param>
    public ReadOnlySpan<byte> ReadBytes(int maxBytes = int.MaxValue) =>
        Take(ReadCount(Math.Min(maxBytes, Remaining), "a byte run's length"), "a byte run");

    /// <summary>Throws unless every byte was read: trailing bytes mean corruption or a format mismatch.</summary>
    public readonly void ExpectEnd()
    {
        if (!End)
        {
            throw new ModelEncodingException($"{Remaining} unexpected trailing byte(s) at offset {_position}.");
        }
    }

    /// <summary>An exception for a structural problem at the current offset.</summary>
    /// <param name="problem">What is wrong.</param>
    public readonly ModelEncodingException Fail(string problem) => new($"Invalid encoding at offset {_position}: {problem}.");

    private ReadOnlySpan<byte> Take(int count, string what)
    {
        if (count > Remaining)
        {
            throw Truncated(what);
        }

        var slice = _bytes.Slice(_position, count);
        _position += count;
        return slice;
    }

    private readonly ModelEncodingException Truncated(string what) => new($"Truncated at offset {_position}: expected {what}.");

    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
