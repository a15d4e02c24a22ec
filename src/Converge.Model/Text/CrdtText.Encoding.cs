using System.Buffers;
using System.Text;
using Converge.Model.Encoding;

namespace Converge.Model.Text;

/// <summary>The binary encoding of a whole <see cref="CrdtText"/> (layout in docs/text-crdt.md, "Encoding").</summary>
public sealed partial class CrdtText
{
    /// <summary>The first byte of every encoded document state (version 1).</summary>
    public const byte StateFormatV1 = 0x01;

    private const int DeletedFlag = 1;
    private const int OriginShift = 1;
    private const int RightShift = 3;
    private const int OtherReplicaFlag = 1 << 5;
    private const int FlagBits = 6;
    private const int ImplicitId = 1;
    private const int ExplicitId = 2;

    /// <summary>
    /// Encodes the document: replicas and their counters, the items in document order (tombstones as lengths
    /// only, without their text), the visible text, then the buffered operations.
    /// </summary>
    public byte[] Encode()
    {
        var output = new ArrayBufferWriter<byte>(Length + 16 * _tree.Count + 64);
        Encode(output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Encodes the document into <paramref name="output"/> (see <see cref="Encode()"/>).</summary>
    /// <param name="output">Where the bytes go.</param>
    public void Encode(IBufferWriter<byte> output)
    {
        var writer = new ModelWriter(output);
        writer.WriteByte(StateFormatV1);
        writer.WriteVarUInt((ulong)_replicas.Count);
        foreach (var replica in _replicas)
        {
            writer.WriteString(replica.Name);
            writer.WriteVarUInt((ulong)replica.Sequence);
            writer.WriteVarUInt((ulong)replica.NextClock);
        }

        // Adjacent items that could be one (split by a later edit that was then deleted, or deleted piecemeal)
        // are written as one: the reader cannot tell the difference.
        var runs = new List<(TextItem First, int Length)>(_tree.Count);
        for (var item = _tree.First; item is not null; item = item.Next)
        {
            if (runs.Count > 0 && runs[^1] is var (first, length) && Continues(first, length, item))
            {
                runs[^1] = (first, length + item.Length);
            }
            else
            {
                runs.Add((item, item.Length));
            }
        }

        writer.WriteVarUInt((ulong)runs.Count);
        var lastEnd = new int[_replicas.Count];
        var previousReplica = 0;
        var text = new StringBuilder(Length);
        for (var i = 0; i < runs.Count; i++)
        {
            var (item, length) = runs[i];
            var originMode = item.OriginReplica == TextItem.None ? 0
                : i > 0 && runs[i - 1] is var (p, pl) && p.Replica == item.OriginReplica && p.Clock + pl - 1 == item.OriginClock ? ImplicitId
                : ExplicitId;
            var rightMode = item.RightReplica == TextItem.None ? 0
                : i + 1 < runs.Count && runs[i + 1].First is var n && n.Replica == item.RightReplica && n.Clock == item.RightClock ? ImplicitId
                : ExplicitId;
            var header = (item.Deleted ? DeletedFlag : 0) | (originMode << OriginShift) | (rightMode << RightShift)
                | (item.Replica != previousReplica ? OtherReplicaFlag : 0);
            writer.WriteVarUInt((uint)header | ((ulong)length << FlagBits));
            if (item.Replica != previousReplica)
            {
                writer.WriteVarUInt((ulong)item.Replica);
                previousReplica = item.Replica;
            }

            writer.WriteVarInt((long)item.Clock - lastEnd[item.Replica]);
            lastEnd[item.Replica] = item.Clock + length;
            if (originMode == ExplicitId)
            {
                WriteItemId(ref writer, item, item.OriginReplica, item.OriginClock);
            }

            if (rightMode == ExplicitId)
            {
                WriteItemId(ref writer, item, item.RightReplica, item.RightClock);
            }

            if (!item.Deleted)
            {
                _replicas[item.Replica].Content.AppendTo(text, item.Clock, length);
            }
        }

        writer.WriteString(text.ToString());
        writer.WriteBytes(_pending.Count == 0 ? [] : TextOperationCodec.Encode(_pending.All));
    }

    /// <summary>Loads a document written by <see cref="Encode()"/>, to be edited by <paramref name="replica"/>.</summary>
    /// <param name="bytes">The encoded state.</param>
    /// <param name="replica">The replica that will edit the loaded document (it may or may not appear in the state).</param>
    /// <exception cref="ModelEncodingException">The bytes are not a valid state: never any other exception.</exception>
    public static CrdtText Decode(ReadOnlySpan<byte> bytes, string replica)
    {
        ArgumentException.ThrowIfNullOrEmpty(replica);
        var reader = new ModelReader(bytes);
        if (reader.ReadByte() != StateFormatV1)
        {
            throw reader.Fail("not a text state (unknown format byte)");
        }

        var replicaCount = reader.ReadCount(reader.Remaining / 3, "the replica count");
        var names = new string[replicaCount];
        var sequences = new long[replicaCount];
        var nextClocks = new int[replicaCount];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long totalClocks = 0;
        for (var i = 0; i < replicaCount; i++)
        {
            names[i] = reader.ReadString(1024);
            if (names[i].Length == 0 || !seen.Add(names[i]))
            {
                throw reader.Fail("replica ids must be non-empty and distinct");
            }

            var sequence = reader.ReadVarUInt();
            sequences[i] = sequence <= long.MaxValue ? (long)sequence : throw reader.Fail("a sequence is out of range");
            nextClocks[i] = reader.ReadCount(MaxClock, "a replica's clock");
            // Bounds the content pages allocated below, whatever the input claims.
            totalClocks += nextClocks[i];
            if (totalClocks > MaxClock)
            {
                throw reader.Fail($"the replicas' clocks add up to more than {MaxClock}");
            }
        }

        var itemCount = reader.ReadCount(reader.Remaining / 2, "the item count");
        var items = new TextItem[itemCount];
        var rightImplicit = new bool[itemCount];
        var lastEnd = new int[replicaCount];
        var previousReplica = 0;
        long visible = 0;
        for (var i = 0; i < itemCount; i++)
        {
            var header = reader.ReadVarUInt();
            var flags = (int)(header & ((1 << FlagBits) - 1));
            var length = header >> FlagBits;
            if (length is 0 or > MaxClock)
            {
                throw reader.Fail($"item length {length} is out of range");
            }

            if ((flags & OtherReplicaFlag) != 0)
            {
                previousReplica = TextOperationCodec.ReadIndex(ref reader, reader.ReadVarUInt(), replicaCount);
            }

            if (replicaCount == 0)
            {
                throw reader.Fail("an item without replicas");
            }

            var owner = previousReplica;
            var clock = lastEnd[owner] + reader.ReadVarInt();
            if (clock < 0 || clock + (long)length > nextClocks[owner])
            {
                throw reader.Fail($"item clock {clock} is out of range");
            }

            var item = new TextItem
            {
                Replica = owner,
                Clock = (int)clock,
                Length = (int)length,
                Deleted = (flags & DeletedFlag) != 0,
                DeleteReplica = (flags & DeletedFlag) != 0 ? TextItem.LoadedStamp : TextItem.None,
            };
            lastEnd[owner] = item.End;
            switch ((flags >> OriginShift) & 3)
            {
                case 0:
                    break;
                case ImplicitId when i > 0:
                    (item.OriginReplica, item.OriginClock) = (items[i - 1].Replica, items[i - 1].End - 1);
                    break;
                case ExplicitId:
                    (item.OriginReplica, item.OriginClock) = ReadItemId(ref reader, item, replicaCount, nextClocks);
                    break;
                default:
                    throw reader.Fail("invalid origin mode");
            }

            switch ((flags >> RightShift) & 3)
            {
                case 0:
                    break;
                case ImplicitId when i + 1 < itemCount:
                    rightImplicit[i] = true;
                    break;
                case ExplicitId:
                    (item.RightReplica, item.RightClock) = ReadItemId(ref reader, item, replicaCount, nextClocks);
                    break;
                default:
                    throw reader.Fail("invalid right origin mode");
            }

            visible += item.VisibleLength;
            items[i] = item;
        }

        var text = reader.ReadString(int.MaxValue);
        var pending = reader.ReadBytes();
        var operations = pending.IsEmpty ? [] : TextOperationCodec.Decode(pending);
        reader.ExpectEnd();
        if (CountCodePoints(text) != visible)
        {
            throw reader.Fail($"the text has {CountCodePoints(text)} code points; the items need {visible}");
        }

        for (var i = 0; i < itemCount; i++)
        {
            if (rightImplicit[i])
            {
                (items[i].RightReplica, items[i].RightClock) = (items[i + 1].Replica, items[i + 1].Clock);
            }
        }

        var document = new CrdtText(replica, names, sequences, nextClocks);
        document.Load(items, text, ref reader);
        foreach (var operation in operations)
        {
            try
            {
                document.Integrate(operation);
            }
            catch (ArgumentException e)
            {
                throw reader.Fail("a buffered operation contradicts the state: " + e.Message);
            }
        }

        return document;
    }

    private CrdtText(string replica, string[] names, long[] sequences, int[] nextClocks)
    {
        for (var i = 0; i < names.Length; i++)
        {
            var state = GetOrAddReplica(names[i]);
            state.Sequence = state.LoadedSequence = sequences[i];
            state.Content.Skip(nextClocks[i]);
        }

        _self = GetOrAddReplica(replica);
    }

    private void Load(TextItem[] items, string text, ref ModelReader reader)
    {
        var byReplica = new List<TextItem>[_replicas.Count];
        var runes = text.EnumerateRunes();
        foreach (var item in items)
        {
            (byReplica[item.Replica] ??= []).Add(item);
            if (!item.Deleted)
            {
                var content = _replicas[item.Replica].Content;
                for (var c = item.Clock; c < item.End; c++)
                {
                    runes.MoveNext();
                    content.Set(c, runes.Current.Value);
                }
            }
        }

        for (var r = 0; r < byReplica.Length; r++)
        {
            if (byReplica[r] is not { } list)
            {
                continue;
            }

            list.Sort(static (a, b) => a.Clock.CompareTo(b.Clock));
            for (var i = 0; i < list.Count; i++)
            {
                if (i > 0 && list[i - 1].End > list[i].Clock)
                {
                    throw reader.Fail($"two items of replica {_replicas[r].Name} overlap at clock {list[i].Clock}");
                }

                _replicas[r].Runs.Append(list[i]);
            }
        }

        _tree.Build(items);
    }

    private static bool Continues(TextItem first, int length, TextItem next) =>
        next.Replica == first.Replica && next.Clock == first.Clock + length && next.Deleted == first.Deleted
        && next.OriginReplica == first.Replica && next.OriginClock == next.Clock - 1
        && next.RightReplica == first.RightReplica && (next.RightReplica == TextItem.None || next.RightClock == first.RightClock);

    private static void WriteItemId(ref ModelWriter writer, TextItem item, int replica, int clock)
    {
        if (replica == item.Replica)
        {
            writer.WriteVarUInt(0);
            writer.WriteVarInt((long)item.Clock - clock);
        }
        else
        {
            writer.WriteVarUInt((ulong)replica + 1);
            writer.WriteVarUInt((ulong)clock);
        }
    }

    private static (int Replica, int Clock) ReadItemId(ref ModelReader reader, TextItem item, int replicaCount, int[] nextClocks)
    {
        var tag = reader.ReadVarUInt();
        int replica;
        long clock;
        if (tag == 0)
        {
            replica = item.Replica;
            clock = item.Clock - reader.ReadVarInt();
        }
        else
        {
            replica = TextOperationCodec.ReadIndex(ref reader, tag - 1, replicaCount);
            clock = (long)Math.Min(reader.ReadVarUInt(), long.MaxValue);
        }

        return clock >= 0 && clock < nextClocks[replica] ? (replica, (int)clock) : throw reader.Fail($"origin clock {clock} is out of range");
    }
}
