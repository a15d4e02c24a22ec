using System.Globalization;
using Converge.Model.Encoding;

namespace Converge.Model.Maps;

/// <summary>
/// The value of one field of an object in an <see cref="LwwObjectMap"/>: null, a boolean, an integer, a number or a
/// string (JSON's scalars, with integers kept exact). Nested structure is expressed with more objects and the
/// parent field, as in Figma's document tree, not with nested values.
/// </summary>
public readonly struct FieldValue : IEquatable<FieldValue>
{
    private readonly long _bits;
    private readonly string? _string;

    private FieldValue(FieldValueKind kind, long bits, string? text)
    {
        Kind = kind;
        _bits = bits;
        _string = text;
    }

    /// <summary>The null value (also <c>default</c>).</summary>
    public static FieldValue Null => default;

    /// <summary>What the value holds.</summary>
    public FieldValueKind Kind { get; }

    /// <summary>A boolean value.</summary>
    /// <param name="value">The boolean.</param>
    public static FieldValue FromBoolean(bool value) => new(FieldValueKind.Boolean, value ? 1 : 0, null);

    /// <summary>An integer value.</summary>
    /// <param name="value">The integer.</param>
    public static FieldValue FromInteger(long value) => new(FieldValueKind.Integer, value, null);

    /// <summary>A number value; NaN equals NaN, so that replicas can agree on it.</summary>
    /// <param name="value">The number.</param>
    public static FieldValue FromNumber(double value) => new(FieldValueKind.Number, BitConverter.DoubleToInt64Bits(value), null);

    /// <summary>A string value.</summary>
    /// <param name="value">The string.</param>
    public static FieldValue FromString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(FieldValueKind.String, 0, value);
    }

    /// <summary>The boolean held.</summary>
    /// <exception cref="InvalidOperationException">The value is not a boolean.</exception>
    public bool AsBoolean() => Kind == FieldValueKind.Boolean ? _bits != 0 : throw WrongKind(FieldValueKind.Boolean);

    /// <summary>The integer held.</summary>
    /// <exception cref="InvalidOperationException">The value is not an integer.</exception>
    public long AsInteger() => Kind == FieldValueKind.Integer ? _bits : throw WrongKind(FieldValueKind.Integer);

    /// <summary>The number held.</summary>
    /// <exception cref="InvalidOperationException">The value is not a number.</exception>
    public double AsNumber() => Kind == FieldValueKind.Number ? BitConverter.Int64BitsToDouble(_bits) : throw WrongKind(FieldValueKind.Number);

    /// <summary>The string held.</summary>
    /// <exception cref="InvalidOperationException">The value is not a string.</exception>
    public string AsString() => Kind == FieldValueKind.String ? _string! : throw WrongKind(FieldValueKind.String);

    /// <summary>The string held, if the value is a string.</summary>
    /// <param name="value">The string, or null.</param>
    public bool TryGetString(out string value)
    {
        value = _string ?? string.Empty;
        return Kind == FieldValueKind.String;
    }

    /// <inheritdoc />
    public bool Equals(FieldValue other) =>
        Kind == other.Kind && _bits == other._bits && string.Equals(_string, other._string, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is FieldValue other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, _bits, _string is null ? 0 : StringComparer.Ordinal.GetHashCode(_string));

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        FieldValueKind.Null => "null",
        FieldValueKind.Boolean => AsBoolean() ? "true" : "false",
        FieldValueKind.Integer => _bits.ToString(CultureInfo.InvariantCulture),
        FieldValueKind.Number => AsNumber().ToString("R", CultureInfo.InvariantCulture),
        _ => "\"" + _string + "\"",
    };

    /// <summary>Whether two values are equal.</summary>
    /// <param name="left">The left value.</param>
    /// <param name="right">The right value.</param>
    public static bool operator ==(FieldValue left, FieldValue right) => left.Equals(right);

    /// <summary>Whether two values differ.</summary>
    /// <param name="left">The left value.</param>
    /// <param name="right">The right value.</param>
    public static bool operator !=(FieldValue left, FieldValue right) => !left.Equals(right);

    // A kind byte, then the payload: nothing, one byte, a zig-zag varint, 8 bytes, or a string.
    internal void Encode(ref ModelWriter writer)
    {
        writer.WriteByte((byte)Kind);
        switch (Kind)
        {
            case FieldValueKind.Boolean:
                writer.WriteByte((byte)_bits);
                break;
            case FieldValueKind.Integer:
                writer.WriteVarInt(_bits);
                break;
            case FieldValueKind.Number:
                writer.WriteDouble(AsNumber());
                break;
            case FieldValueKind.String:
                writer.WriteString(_string!);
                break;
            default:
                break;
        }
    }

    internal static FieldValue Decode(ref ModelReader reader) => (FieldValueKind)reader.ReadByte() switch
    {
        FieldValueKind.Null => Null,
        FieldValueKind.Boolean => reader.ReadByte() switch
        {
            0 => FromBoolean(false),
            1 => FromBoolean(true),
            var other => throw reader.Fail($"a boolean field value is {other}"),
        },
        FieldValueKind.Integer => FromInteger(reader.ReadVarInt()),
        FieldValueKind.Number => FromNumber(reader.ReadDouble()),
        FieldValueKind.String => FromString(reader.ReadString()),
        var kind => throw reader.Fail($"field value kind {(byte)kind} is unknown"),
    };

    private InvalidOperationException WrongKind(FieldValueKind wanted) => new($"The value is {Kind}, not {wanted}.");
}
