using System.Text.Json;
using Converge.Model.Documents;
using CsCheck;

namespace Converge.Model.Tests.Documents;

public sealed class JsonMapTests
{
    private static readonly Gen<DocumentOperation> Operation =
        Gen.Frequency(
            (3, from key in Gen.Char['a', 'e'].Select(c => c.ToString()) from value in Gen.Int select (DocumentOperation)new SetValue(key, JsonSerializer.SerializeToElement(value))),
            (1, from key in Gen.Char['a', 'e'].Select(c => c.ToString()) select (DocumentOperation)new RemoveValue(key)));

    [Fact]
    public void The_last_write_in_order__wins_and_remove_deletes()
    {
        var map = JsonMap.Empty.Apply([
            new SetValue("a", JsonSerializer.SerializeToElement(1)),
            new SetValue("a", JsonSerializer.SerializeToElement(2)),
            new SetValue("b", JsonSerializer.SerializeToElement(3)),
            new RemoveValue("b"),
            new RemoveValue("missing"),
        ]);

        Assert.Equal(2, map["a"].GetInt32());
        Assert.False(map.ContainsKey("b"));
        Assert.Single(map);
    }

    [Fact]
    public void Applying_is_pure__the_original_map_never_changes()
    {
        var before = JsonMap.Empty.Apply([new SetValue("a", JsonSerializer.SerializeToElement(1))]);
        _ = before.Apply([new RemoveValue("a")]);
        Assert.True(before.ContainsKey("a"));
    }

    [Fact]
    public void A_snapshot_in_change_form__rebuilds_the_same_map()
    {
        Operation.Array[0, 40].Sample(operations =>
        {
            var map = JsonMap.Empty.Apply(operations);
            return JsonMap.Empty.Apply(map.ToOperations()).ContentEquals(map);
        }, iter: 1000);
    }

    [Fact]
    public void Applying_in_two_steps__equals_applying_at_once()
    {
        Gen.Select(Operation.Array[0, 20], Operation.Array[0, 20]).Sample((first, second) =>
            JsonMap.Empty.Apply(first).Apply(second).ContentEquals(JsonMap.Empty.Apply([.. first, .. second])), iter: 1000);
    }

    [Fact]
    public void An_invalid_operation__is_refused_with_a_clear_error()
    {
        var error = Assert.Throws<ArgumentException>(() => JsonMap.Empty.Apply([new SetValue("", JsonSerializer.SerializeToElement(1))]));
        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }
}
