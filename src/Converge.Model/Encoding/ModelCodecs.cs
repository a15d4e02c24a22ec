namespace Converge.Model.Encoding;

/// <summary>The built-in <see cref="IModelCodec{T}"/>s.</summary>
public static class ModelCodecs
{
    /// <summary>UTF-8 strings, length-prefixed, up to 16 MiB.</summary>
    public static IModelCodec<string> String { get; } = new StringCodec();

    /// <summary>64-bit integers as zig-zag varints.</summary>
    public static IModelCodec<long> Int64 { get; } = new Int64Codec();

    /// <summary>Doubles as 8 little-endian bytes.</summary>
    public static IModelCodec<double> Double { get; } = new DoubleCodec();

    /// <summary>Booleans as one byte, 0 or 1.</summary>
    public static IModelCodec<bool> Boolean { get; } = new BooleanCodec();

    private sealed class StringCodec : IModelCodec<string>
    {
        public void Write(ref ModelWriter writer, string value) => writer.WriteString(value);

        public string Read(ref ModelReader reader) => reader.ReadString();
    }

    private sealed class Int64Codec : IModelCodec<long>
    {
        public void Write(ref ModelWriter writer, long value) => writer.WriteVarInt(value);

        public long Read(ref ModelReader reader) => reader.ReadVarInt();
    }

    private sealed class DoubleCodec : IModelCodec<double>
    {
        public void Write(ref ModelWriter writer, double value) => writer.WriteDouble(value);

        public double Read(ref ModelReader reader) => reader.ReadDouble();
    }

    private sealed class BooleanCodec : IModelCodec<bool>
    {
        public void Write(ref ModelWriter writer, bool value) => writer.WriteByte(value ? (byte)1 : (byte)0);

        public bool Read(ref ModelReader reader) => reader.ReadByte() switch
        {
            0 => false,
            1 => true,
            var other => throw reader.Fail($"a boolean is {other}"),
        };
    }
}
