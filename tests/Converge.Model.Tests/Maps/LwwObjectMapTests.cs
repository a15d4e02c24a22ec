using Converge.Model.Clocks;
using Converge.Model.Maps;
using Converge.Model.Tests.Clocks;
using CsCheck;

namespace Converge.Model.Tests.Maps;

public sealed class LwwObjectMapTests
{
    private static readonly string[] Objects = ["o1", "o2", "o3", "root"];
    private static readonly string[] Fields = ["color", "x", LwwObjectMap.ParentField, LwwObjectMap.PositionField];

    // Values are a function of (object, field, timestamp): one timestamp names one write.
    internal static readonly Gen<MapOperation> Operation = Gen.Frequency(
        (4, Gen.Select(Gen.OneOf(Objects), Gen.OneOf(Fields), ClockGen.Timestamp).Select(static (o, f, t) => (MapOperation)new SetFieldOperation(o, f, ValueFor(f, t), t))),
        (1, Gen.Select(Gen.OneOf(Objects), ClockGen.Timestamp).Select(static (o, t) => (MapOperation)new DeleteObjectOperation(o, t))));

    internal static readonly Gen<LwwObjectMap> State =
        Operation.Array[0, 16].Select(static ops => ops.Aggregate(LwwObjectMap.Empty, static (m, op) => m.Apply(op)));

    private static HlcTimestamp T(long physical, string node = "a") => new(physical, 0, node);

    [Fact]
    public void Concurrent_writes_to_different_fields_of_one_object__both_survive()
    {
        var start = LwwObjectMap.Empty.Set("shape", "color", FieldValue.FromString("red"), T(1));
        var alice = start.Set("shape", "color", FieldValue.FromString("blue"), T(5, "alice"));
        var bob = start.Set("shape", "x", FieldValue.FromInteger(42), T(5, "bob"));

        var merged = alice.Merge(bob);

        Assert.Equal(merged, bob.Merge(alice));
        Assert.Equal("blue", merged.GetField("shape", "color").AsString());
        Assert.Equal(42, merged.GetField("shape", "x").AsInteger());
    }

    [Fact]
    public void Concurrent_writes_to_one_field__are_won_by_the_later_timestamp_then_node_id()
    {
        var alice = LwwObjectMap.Empty.Set("shape", "color", FieldValue.FromString("from alice"), T(5, "alice"));
        var bob = LwwObjectMap.Empty.Set("shape", "color", FieldValue.FromString("from bob"), T(5, "bob"));
        var carol = LwwObjectMap.Empty.Set("shape", "color", FieldValue.FromString("from carol"), T(4, "carol"));

        Assert.Equal("from bob", alice.Merge(bob).Merge(carol).GetField("shape", "color").AsString());
        Assert.Equal("from bob", carol.Merge(bob).Merge(alice).GetField("shape", "color").AsString());
    }

    [Fact]
    public void Write_older_than_a_delete__stays_hidden_even_when_it_arrives_later()
    {
        var map = LwwObjectMap.Empty
            .Set("shape", "color", FieldValue.FromString("red"), T(1))
            .Delete("shape", T(10))
            .Set("shape", "x", FieldValue.FromInteger(1), T(9, "late"));

        Assert.False(map.Contains("shape"));
        Assert.Empty(map.ObjectIds);
        Assert.Equal(FieldValue.Null, map.GetField("shape", "x"));
    }

    [Fact]
    public void Write_newer_than_a_delete__recreates_the_object_with_only_the_new_fields()
    {
        var map = LwwObjectMap.Empty
            .Set("shape", "color", FieldValue.FromString("red"), T(1))
            .Set("shape", "x", FieldValue.FromInteger(7), T(2))
            .Delete("shape", T(10))
            .Set("shape", "x", FieldValue.FromInteger(1), T(11));

        Assert.True(map.TryGetObject("shape", out var fields));
        Assert.Equal(new Dictionary<string, FieldValue> { ["x"] = FieldValue.FromInteger(1) }, fields);
    }

    [Fact]
    public void Concurrent_delete_and_edit__are_won_by_the_later_timestamp()
    {
        var start = LwwObjectMap.Empty.Set("shape", "color", FieldValue.FromString("red"), T(1));
        var deleter = start.Delete("shape", T(5, "d"));
        var editor = start.Set("shape", "x", FieldValue.FromInteger(3), T(5, "e"));

        var editWins = deleter.Merge(editor);
        Assert.True(editWins.TryGetObject("shape", out var fields));
        Assert.Equal(["x"], fields.Keys);

        var deleteWins = start.Delete("shape", T(6, "d")).Merge(editor);
        Assert.False(deleteWins.Contains("shape"));
    }

    [Fact]
    public void Set_to_null__clears_the_field_but_keeps_the_object()
    {
        var map = LwwObjectMap.Empty
            .Set("shape", "color", FieldValue.FromString("red"), T(1))
            .Set("shape", "color", FieldValue.Null, T(2));

        Assert.True(map.TryGetObject("shape", out var fields));
        Assert.Empty(fields);
    }

    [Fact]
    public void ChildrenOf__orders_by_position_then_object_id_and_follows_moves()
    {
        var map = LwwObjectMap.Empty;
        foreach (var (id, position, time) in new[] { ("c", "a5", 1L), ("a", "a5", 2L), ("b", "a1", 3L), ("d", "a3", 4L) })
        {
            map = map.Set(id, LwwObjectMap.ParentField, FieldValue.FromString("root"), T(time))
                .Set(id, LwwObjectMap.PositionField, FieldValue.FromString(position), T(time));
        }

        map = map.Set("other", LwwObjectMap.ParentField, FieldValue.FromString("elsewhere"), T(5));
        Assert.Equal(["b", "d", "a", "c"], map.ChildrenOf("root"));

        // Move d to the end and under another parent, and delete b.
        var moved = map.Set("d", LwwObjectMap.PositionField, FieldValue.FromString("a9"), T(6))
            .Set("c", LwwObjectMap.ParentField, FieldValue.FromString("elsewhere"), T(6))
            .Delete("b", T(7));
        Assert.Equal(["a", "d"], moved.ChildrenOf("root"));
        Assert.Equal(["other", "c"], moved.ChildrenOf("elsewhere"));
    }

    [Fact]
    public void Concurrent_moves_of_one_object__leave_it_under_exactly_one_parent()
    {
        var start = LwwObjectMap.Empty.Set("x", LwwObjectMap.ParentField, FieldValue.FromString("p"), T(1));
        var alice = start.Set("x", LwwObjectMap.ParentField, FieldValue.FromString("q"), T(2, "alice"));
        var bob = start.Set("x", LwwObjectMap.ParentField, FieldValue.FromString("r"), T(2, "bob"));

        var merged = alice.Merge(bob);

        Assert.Empty(merged.ChildrenOf("q"));
        Assert.Equal(["x"], merged.ChildrenOf("r"));
    }

    [Fact]
    public void Merge__is_commutative_associative_and_idempotent()
    {
        MergeProperties.AssertJoin(State, static (a, b) => a.Merge(b));
    }

    [Fact]
    public void Merge_of_states__equals_applying_both_operation_sets()
    {
        Gen.Select(Operation.Array[0, 12], Operation.Array[0, 12]).Sample((left, right) =>
        {
            var a = left.Aggregate(LwwObjectMap.Empty, static (m, op) => m.Apply(op));
            var b = right.Aggregate(LwwObjectMap.Empty, static (m, op) => m.Apply(op));
            Assert.Equal(left.Concat(right).Aggregate(LwwObjectMap.Empty, static (m, op) => m.Apply(op)), a.Merge(b));
        }, iter: EncodingProperties.Iterations);
    }

    [Fact]
    public void Operations_delivered_to_2_to_5_replicas_in_random_orders_with_duplicates__converge()
    {
        Gen.Select(Operation.Array[1, 24], Gen.Int[2, 5], Gen.Int).Sample((ops, replicas, seed) =>
        {
            var random = new Random(seed);
            var expected = ops.Aggregate(LwwObjectMap.Empty, static (m, op) => m.Apply(op));
            for (var i = 0; i < replicas; i++)
            {
                var delivery = ops.Concat(ops.Where(_ => random.Next(3) == 0)).OrderBy(_ => random.Next());
                var state = delivery.Aggregate(LwwObjectMap.Empty, static (m, op) => m.Apply(op));
                Assert.Equal(expected, state);
                Assert.Equal(expected.ObjectIds, state.ObjectIds);
                Assert.Equal(expected.ChildrenOf("root"), state.ChildrenOf("root"));
            }
        }, iter: EncodingProperties.Iterations);
    }

    [Fact]
    public void Encode__round_trips_states_and_operations()
    {
        Gen.Select(State, Operation).Sample((map, op) =>
        {
            Assert.Equal(map, LwwObjectMap.Decode(EncodingProperties.Bytes(map.Encode)));
            Assert.Equal(op, MapOperation.Decode(EncodingProperties.Bytes(op.Encode)));
        }, iter: EncodingProperties.Iterations);
    }

    [Fact]
    public void Encode__writes_each_node_id_once_and_times_as_offsets()
    {
        var map = LwwObjectMap.Empty;
        for (var i = 0; i < 100; i++)
        {
            map = map.Set("o" + i, "f", FieldValue.FromInteger(i), new HlcTimestamp(1_700_000_000_000 + i, 0, "a-rather-long-node-id"));
        }

        var bytes = EncodingProperties.Bytes(map.Encode);

        // Per object: id 3, delete flag 1, field count 1, name 2, time offset 1–2, counter 1, node index 1, value 2.
        Assert.InRange(bytes.Length, 1, 100 * 14);
        Assert.Equal(1, CountOccurrences(bytes, "a-rather-long-node-id"u8.ToArray()));
    }

    [Fact]
    public void Decode_of_hostile_bytes__throws_ModelEncodingException_only()
    {
        EncodingProperties.AssertHostileBytesFailCleanly(State.Select(static m => EncodingProperties.Bytes(m.Encode)), static b => LwwObjectMap.Decode(b));
        EncodingProperties.AssertHostileBytesFailCleanly(Operation.Select(static o => EncodingProperties.Bytes(o.Encode)), static b => MapOperation.Decode(b));
    }

    [Fact]
    public void Decode_of_a_field_older_than_its_delete__throws_ModelEncodingException()
    {
        // Format, 1 node "a", base time 0, 1 object "o" deleted at 5.0@a with one field "f" at 4.0@a = 1.
        byte[] bytes = [0x21, 1, 1, (byte)'a', 0, 1, 1, (byte)'o', 1, 5, 0, 0, 1, 1, (byte)'f', 4, 0, 0, 2, 2];

        Assert.Throws<Converge.Model.Encoding.ModelEncodingException>(() => LwwObjectMap.Decode(bytes));
        bytes[15] = 6;
        Assert.True(LwwObjectMap.Decode(bytes).Contains("o"));
    }

    private static int CountOccurrences(byte[] haystack, byte[] needle) =>
        Enumerable.Range(0, haystack.Length - needle.Length + 1).Count(i => haystack.AsSpan(i, needle.Length).SequenceEqual(needle));

    private static FieldValue ValueFor(string field, HlcTimestamp t) => field switch
    {
        LwwObjectMap.ParentField => FieldValue.FromString(t.Counter % 2 == 0 ? "root" : "o1"),
        LwwObjectMap.PositionField => FieldValue.FromString("a" + t.PhysicalMilliseconds % 4),
        "x" => t.Counter == 3 ? FieldValue.Null : FieldValue.FromNumber(t.PhysicalMilliseconds / 3.0),
        _ => FieldValue.FromString(t.ToString()),
    };
}
