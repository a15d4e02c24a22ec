using System.Text.Json;
using Converge.Model.Clocks;
using Converge.Model.Maps;
using CsCheck;

namespace Converge.Model.Tests.Maps;

public sealed class LwwObjectMapTests
{
    private static JsonElement Json(object value) => JsonSerializer.SerializeToElement(value);

    private static HlcTimestamp At(long wall, string node = "a") => new(wall, 0, node);

    // One timestamp is one write: values are derived from it, as real writers guarantee.
    private static readonly Gen<MapOperation> Operation =
        Gen.Select(Gen.Int[0, 9], Gen.Char['o', 'q'], Gen.Char['x', 'z'], Gen.Long[1, 30], Gen.Char['a', 'c'])
            .Select((kind, obj, field, wall, node) => kind < 8
                ? (MapOperation)new MapOperation.SetField(obj.ToString(), field.ToString(), Json($"{field}@{wall}{node}"), At(wall, node.ToString()))
                : new MapOperation.DeleteObject(obj.ToString(), At(wall, node.ToString())));

    [Fact]
    public void Replicas_receiving_the_same_operations_in_any_order_with_duplicates__converge()
    {
        Gen.Select(Operation.Array[0, 30], Gen.Int.Array[3]).Sample((operations, seeds) =>
        {
            var states = seeds.Select(seed =>
            {
                var random = new Random(seed);
                var delivery = operations.Concat(operations.Where(_ => random.Next(3) == 0)).OrderBy(_ => random.Next()).ToArray();
                return delivery.Aggregate(LwwObjectMap.Empty, (map, op) => map.Apply(op));
            }).ToArray();
            return states[0].StateEquals(states[1]) && states[1].StateEquals(states[2]);
        }, iter: 1000);
    }

    [Fact]
    public void Merge_is_commutative_associative_and_idempotent()
    {
        var maps = Operation.Array[0, 12].Select(ops => ops.Aggregate(LwwObjectMap.Empty, (map, op) => map.Apply(op)));
        Gen.Select(maps, maps, maps).Sample((a, b, c) =>
            a.Merge(b).StateEquals(b.Merge(a)) && a.Merge(b).Merge(c).StateEquals(a.Merge(b.Merge(c))) && a.Merge(a).StateEquals(a), iter: 1000);
    }

    [Fact]
    public void Concurrent_writes_to_different_fields_of_one_object__both_survive()
    {
        var alice = LwwObjectMap.Empty.Apply(new MapOperation.SetField("card", "color", Json("red"), At(10, "alice")));
        var bob = LwwObjectMap.Empty.Apply(new MapOperation.SetField("card", "x", Json(42), At(10, "bob")));
        var merged = alice.Merge(bob);
        Assert.Equal("red", merged.Fields("card")["color"].GetString());
        Assert.Equal(42, merged.Fields("card")["x"].GetInt32());
    }

    [Fact]
    public void Same_field_conflicts__go_to_the_later_reading_then_the_node_id()
    {
        var map = LwwObjectMap.Empty
            .Apply(new MapOperation.SetField("card", "title", Json("bob's"), At(10, "bob")))
            .Apply(new MapOperation.SetField("card", "title", Json("alice's"), At(10, "alice")))
            .Apply(new MapOperation.SetField("card", "title", Json("old"), At(9, "zed")));
        Assert.Equal("bob's", map.Fields("card")["title"].GetString());
    }

    [Fact]
    public void A_delete_hides_earlier_fields_and_a_later_write_re_creates_the_object_with_only_newer_fields()
    {
        var map = LwwObjectMap.Empty
            .Apply(new MapOperation.SetField("card", "title", Json("t"), At(1)))
            .Apply(new MapOperation.SetField("card", "color", Json("red"), At(2)))
            .Apply(new MapOperation.DeleteObject("card", At(5)));
        Assert.False(map.Contains("card"));

        var recreated = map.Apply(new MapOperation.SetField("card", "title", Json("again"), At(6)));
        Assert.True(recreated.Contains("card"));
        Assert.Equal(["title"], recreated.Fields("card").Keys);
        Assert.False(map.Apply(new MapOperation.SetField("card", "title", Json("stale"), At(4))).Contains("card"));
    }

    [Fact]
    public void Children_are_ordered_by_position_and_a_move_is_two_field_writes()
    {
        var map = LwwObjectMap.Empty;
        foreach (var (id, position) in new[] { ("c1", "a1"), ("c2", "a0"), ("c3", "a2") })
        {
            map = map.Apply(new MapOperation.SetField(id, LwwObjectMap.ParentField, Json("column-1"), At(1)))
                     .Apply(new MapOperation.SetField(id, LwwObjectMap.PositionField, Json(position), At(1)));
        }

        Assert.Equal(["c2", "c1", "c3"], map.Children("column-1"));
        var moved = map.Apply(new MapOperation.SetField("c3", LwwObjectMap.ParentField, Json("column-2"), At(2)))
                       .Apply(new MapOperation.SetField("c1", LwwObjectMap.PositionField, Json("Zz"), At(2)));
        Assert.Equal(["c1", "c2"], moved.Children("column-1"));
        Assert.Equal(["c3"], moved.Children("column-2"));
    }
}
