using System.Buffers;
using Converge.Model.Encoding;

namespace Converge.Model.Ot;

public sealed partial class TextDelta
{
    private const int RetainTag = 0;
    private const int DeleteTag = 1;
    private const int InsertTag = 2;

    /// <summary>
    /// Writes the compact binary form: a format byte, the component count, then per component one varint holding
    /// the length (code points) and kind, followed for insertions by the UTF-8 text.
    /// </summary>
    /// <param name="output">Where the bytes go.</param>
    public void Encode(IBufferWriter<byte> output)
    {
        var writer = new ModelWriter(output);
        writer.WriteByte(ModelFormat.TextDeltaV1);
        writer.WriteVarUInt((ulong)_components.Length);
        foreach (var component in _components)
        {
            var tag = component.Kind switch
            {
                TextDeltaComponentKind.Retain => RetainTag,
                TextDeltaComponentKind.Delete => DeleteTag,
                _ => InsertTag,
            };
            writer.WriteVarUInt(((ulong)component.Length << 2) | (uint)tag);
            if (component.Kind == TextDeltaComponentKind.Insert)
            {
                writer.WriteString(component.Text!);
            }
        }
    }

    /// <summary>The binary form as a new array.</summary>
    /// <returns>The bytes.</returns>
    public byte[] Encode()
    {
        var buffer = new ArrayBufferWriter<byte>();
        Encode(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a delta written by <see cref="Encode(IBufferWriter{byte})"/>.</summary>
    /// <param name="bytes">The encoding.</param>
    /// <returns>The delta.</returns>
    /// <exception cref="ModelEncodingException">The bytes are not a canonical delta encoding.</exception>
    public static TextDelta Decode(ReadOnlySpan<byte> bytes)
    {
        var reader = new ModelReader(bytes);
        ModelFormat.Expect(ref reader, ModelFormat.TextDeltaV1, "a text delta");
        // Every component takes at least one byte, so the count cannot ask for more than the bytes hold.
        var count = reader.ReadCount(reader.Remaining, "a component count");
        var builder = new TextDeltaBuilder();
        var decoded = new List<TextDeltaComponent>(count);
        long baseLength = 0, targetLength = 0;
        for (var i = 0; i < count; i++)
        {
            var tag = reader.ReadVarUInt();
            var length = tag >> 2;
            if (length is 0 or > int.MaxValue)
            {
                throw reader.Fail($"a component length is {length}");
            }

            switch (tag & 3)
            {
                case RetainTag:
                    baseLength += (long)length;
                    targetLength += (long)length;
                    decoded.Add(new TextDeltaComponent(TextDeltaComponentKind.Retain, (int)length, null));
                    break;
                case DeleteTag:
                    baseLength += (long)length;
                    decoded.Add(new TextDeltaComponent(TextDeltaComponentKind.Delete, (int)length, null));
                    break;
                case InsertTag:
                    var text = reader.ReadString();
                    if (CountOrFail(ref reader, text) != (int)length)
                    {
                        throw reader.Fail($"an insertion says {length} code points but holds {text.Length} UTF-16 units");
                    }

                    targetLength += (long)length;
                    decoded.Add(new TextDeltaComponent(TextDeltaComponentKind.Insert, (int)length, text));
                    break;
                default:
                    throw reader.Fail($"component kind {tag & 3} is unknown");
            }

            if (baseLength > int.MaxValue || targetLength > int.MaxValue)
            {
                throw reader.Fail("the delta spans more than int.MaxValue code points");
            }
        }

        reader.ExpectEnd();
        decoded.ForEach(c => builder.Add(c));
        var delta = builder.Build();
        // One edit must have one encoding: unmerged neighbours or a delete before an insert are not canonical.
        if (!delta._components.AsSpan().SequenceEqual(decoded.ToArray()))
        {
            throw new ModelEncodingException("Invalid encoding: the delta's components are not in canonical form.");
        }

        return delta;
    }

    private static int CountOrFail(ref ModelReader reader, string text)
    {
        try
        {
            return CodePoints.Count(text, nameof(text));
        }
        catch (ArgumentException)
        {
            throw reader.Fail("an insertion is not well-formed text");
        }
    }
}
