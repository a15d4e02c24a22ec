using System.Buffers;
using Converge.Model.Encoding;

namespace Converge.Model.Text;

/// <summary>
/// The binary encoding of a batch of <see cref="TextOperation"/>s (layout in docs/text-crdt.md, "Encoding"): a format
/// byte, a table of replica ids, then each operation with its numbers delta-encoded against the previous operation of
/// the same replica, so a typing session costs a few bytes per operation beyond its text.
/// </summary>
public static class TextOperationCodec
{
    /// <summary>The first byte of every encoded operation batch (version 1).</summary>
    public const byte FormatV1 = 0x81;

    private const int MaxReplicaIdBytes = 1024;

    /// <summary>Encodes <paramref name="operations"/>.</summary>
    /// <param name="operations">The operations, in any order.</param>
    public static byte[] Encode(IEnumerable<TextOperation> operations)
    {
        var output = new ArrayBufferWriter<byte>();
        Encode(operations, output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Encodes <paramref name="operations"/> into <paramref name="output"/>.</summary>
    /// <param name="operations">The operations, in any order.</param>
    /// <param name="output">Where the bytes go.</param>
    public static void Encode(IEnumerable<TextOperation> operations, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var list = operations as IReadOnlyList<TextOperation> ?? operations.ToList();
        var table = new Dictionary<string, int>(StringComparer.Ordinal);
        var names = new List<string>();
        int Intern(string name)
        {
            if (!table.TryGetValue(name, out var index))
            {
                table.Add(name, index = names.Count);
                names.Add(name);
            }

            return index;
        }

        foreach (var operation in list)
        {
            Intern(operation.Replica);
            switch (operation)
            {
                case TextInsertion insertion:
                    if (insertion.Origin is { } origin)
                    {
                        Intern(origin.Replica);
                    }

                    if (insertion.RightOrigin is { } right)
                    {
                        Intern(right.Replica);
                    }

                    break;
                case TextDeletion deletion:
                    foreach (var range in deletion.Ranges)
                    {
                        Intern(range.Start.Replica);
                    }

                    break;
            }
        }

        var writer = new ModelWriter(output);
        writer.WriteByte(FormatV1);
        writer.WriteVarUInt((ulong)names.Count);
        foreach (var name in names)
        {
            writer.WriteString(name);
        }

        writer.WriteVarUInt((ulong)list.Count);
        var lastSequence = new long[names.Count];
        var nextClock = new long[names.Count];
        foreach (var operation in list)
        {
            var author = table[operation.Replica];
            var isDeletion = operation is TextDeletion;
            writer.WriteVarUInt(((ulong)author << 1) | (isDeletion ? 1UL : 0UL));
            writer.WriteVarInt(operation.Sequence - lastSequence[author] - 1);
            lastSequence[author] = operation.Sequence;
            if (operation is TextInsertion insertion)
            {
                writer.WriteVarInt(insertion.Clock - nextClock[author]);
                WriteId(ref writer, table, insertion.Origin, author, insertion.Clock - 1);
                WriteId(ref writer, table, insertion.RightOrigin, author, insertion.Clock);
                writer.WriteString(insertion.Text);
                nextClock[author] = insertion.Clock + CrdtText.CountCodePoints(insertion.Text);
            }
            else
            {
                var deletion = (TextDeletion)operation;
                writer.WriteVarUInt((ulong)deletion.Ranges.Count);
                foreach (var range in deletion.Ranges)
                {
                    writer.WriteVarUInt((ulong)table[range.Start.Replica]);
                    writer.WriteVarUInt((ulong)range.Start.Clock);
                    writer.WriteVarUInt((ulong)range.Length);
                }
            }
        }
    }

    /// <summary>Decodes a batch written by <see cref="Encode(IEnumerable{TextOperation})"/>.</summary>
    /// <param name="bytes">The encoded batch.</param>
    /// <exception cref="ModelEncodingException">The bytes are not a valid batch.</exception>
    public static IReadOnlyList<TextOperation> Decode(ReadOnlySpan<byte> bytes)
    {
        var reader = new ModelReader(bytes);
        if (reader.ReadByte() != FormatV1)
        {
            throw reader.Fail("not a text operation batch (unknown format byte)");
        }

        var names = ReadReplicaTable(ref reader);
        var count = reader.ReadCount(reader.Remaining / 3, "the operation count");
        var operations = new List<TextOperation>(count);
        var lastSequence = new long[names.Length];
        var nextClock = new long[names.Length];
        for (var i = 0; i < count; i++)
        {
            var header = reader.ReadVarUInt();
            var author = ReadIndex(ref reader, header >> 1, names.Length);
            var sequence = lastSequence[author] + 1 + reader.ReadVarInt();
            if (sequence < 1)
            {
                throw reader.Fail($"operation sequence {sequence} is out of range");
            }

            lastSequence[author] = sequence;
            if ((header & 1) == 0)
            {
                var clock = nextClock[author] + reader.ReadVarInt();
                CheckClock(ref reader, clock, 0);
                var origin = ReadId(ref reader, names, author, clock - 1);
                var right = ReadId(ref reader, names, author, clock);
                var text = reader.ReadString(CrdtText.MaxClock);
                var length = CrdtText.CountCodePoints(text);
                if (length == 0)
                {
                    throw reader.Fail("an insertion has no text");
                }

                CheckClock(ref reader, clock, length);
                nextClock[author] = clock + length;
                operations.Add(new TextInsertion(names[author], sequence, clock, origin, right, text));
            }
            else
            {
                var rangeCount = reader.ReadCount(reader.Remaining / 3, "a deletion's range count");
                if (rangeCount == 0)
                {
                    throw reader.Fail("a deletion has no ranges");
                }

                var ranges = new TextRange[rangeCount];
                for (var r = 0; r < rangeCount; r++)
                {
                    var replica = ReadIndex(ref reader, reader.ReadVarUInt(), names.Length);
                    var clock = (long)reader.ReadVarUInt();
                    var length = (long)reader.ReadVarUInt();
                    if (length < 1 || clock < 0 || length > CrdtText.MaxClock || clock > CrdtText.MaxClock - length)
                    {
                        throw reader.Fail($"deleted range {clock}+{length} is out of range");
                    }

                    ranges[r] = new TextRange(new TextId(names[replica], clock), length);
                }

                operations.Add(new TextDeletion(names[author], sequence, ranges));
            }
        }

        reader.ExpectEnd();
        return operations;
    }

    internal static string[] ReadReplicaTable(ref ModelReader reader)
    {
        var count = reader.ReadCount(reader.Remaining / 2, "the replica count");
        var names = new string[count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var name = reader.ReadString(MaxReplicaIdBytes);
            if (name.Length == 0 || !seen.Add(name))
            {
                throw reader.Fail("replica ids must be non-empty and distinct");
            }

            names[i] = name;
        }

        return names;
    }

    internal static int ReadIndex(ref ModelReader reader, ulong value, int count) =>
        value < (ulong)count ? (int)value : throw reader.Fail($"replica index {value} is not in the table of {count}");

    private static void CheckClock(ref ModelReader reader, long clock, int length)
    {
        if (clock < 0 || clock + length > CrdtText.MaxClock)
        {
            throw reader.Fail($"clock {clock} is out of range");
        }
    }

    private static void WriteId(ref ModelWriter writer, Dictionary<string, int> table, TextId? id, int author, long near)
    {
        if (id is not { } value)
        {
            writer.WriteVarUInt(0);
            return;
        }

        var replica = table[value.Replica];
        writer.WriteVarUInt((ulong)replica + 1);
        if (replica == author)
        {
            writer.WriteVarInt(near - value.Clock);
        }
        else
        {
            writer.WriteVarUInt((ulong)value.Clock);
        }
    }

    private static TextId? ReadId(ref ModelReader reader, string[] names, int author, long near)
    {
        var tag = reader.ReadVarUInt();
        if (tag == 0)
        {
            return null;
        }

        var replica = ReadIndex(ref reader, tag - 1, names.Length);
        var clock = replica == author ? near - reader.ReadVarInt() : (long)reader.ReadVarUInt();
        if (clock < 0 || clock >= CrdtText.MaxClock)
        {
            throw reader.Fail($"origin clock {clock} is out of range");
        }

        return new TextId(names[replica], clock);
    }
}
