using System.Text.Json;
using Converge.Model.Documents;
using Converge.Model.Text;
using CsCheck;

namespace Converge.Model.Tests.Documents;

/// <summary>Counters and observed-remove sets inside a <see cref="JsonMap"/>: the laws that make rebasing them safe.</summary>
public sealed class TypedOperationTests
{
    [Fact]
    public void Increments_in_any_order__give_the_same_count()
    {
        Gen.Select(Gen.Long[-1000, 1000].Array[0, 30], Gen.Int).Sample((amounts, seed) =>
        {
            var operations = amounts.Select(a => (DocumentOperation)new IncrementValue("n", a)).ToArray();
            var shuffled = operations.ToArray();
            new Random(seed).Shuffle(shuffled);
            Assert.Equal(amounts.Sum(), JsonMap.Empty.Apply(operations).GetCounter("n"));
            Assert.Equal(amounts.Sum(), JsonMap.Empty.Apply(shuffled).GetCounter("n"));
        }, iter: 1000);
    }

    [Fact]
    public void Crdt_text_edits_of_three_replicas__applied_in_any_order_and_repeated__give_the_same_text()
    {
        Gen.Select(Gen.Int[0, 2].Select(Gen.Int[0, 20], Gen.Int[0, 3], Gen.String[Gen.Char['a', 'e'], 0, 3]).Array[1, 25], Gen.Int).Sample((steps, seed) =>
        {
            // Each replica edits its own view, seeing only its own edits and those that "arrived" (every third step).
            var views = new[] { JsonMap.Empty, JsonMap.Empty, JsonMap.Empty };
            var edits = new List<DocumentOperation>();
            foreach (var ((who, at, deleted, inserted), i) in steps.Select((s, i) => (s, i)))
            {
                var text = views[who].GetCrdtText("t", "r" + who);
                var operations = new List<Converge.Model.Text.TextOperation>();
                var position = Math.Min(at, text.Length);
                if (Math.Min(deleted, text.Length - position) is > 0 and var count && text.Delete(position, count) is { } deletion)
                {
                    operations.Add(deletion);
                }

                if (text.Insert(position, inserted) is { } insertion)
                {
                    operations.Add(insertion);
                }

                if (operations.Count == 0)
                {
                    continue;
                }

                var edit = new EditCrdtText("t", Converge.Model.Text.TextOperationCodec.Encode(operations));
                edits.Add(edit);
                views[who] = views[who].Apply([edit]);
                if (i % 3 == 0)
                {
                    views = [.. views.Select(_ => JsonMap.Empty.Apply(edits))];
                }
            }

            var inOrder = JsonMap.Empty.Apply(edits);
            var shuffled = edits.ToArray();
            new Random(seed).Shuffle(shuffled);
            var repeated = JsonMap.Empty.Apply(shuffled).Apply(edits);
            Assert.Equal(inOrder.GetText("t"), JsonMap.Empty.Apply(shuffled).GetText("t"));
            Assert.Equal(inOrder.GetText("t"), repeated.GetText("t"));
        }, iter: 1000);
    }

    [Fact]
    public void A_text_field_is_one_kind__an_edit_of_the_other_kind_is_skipped_alike_everywhere()
    {
        var ot = JsonMap.Empty.Apply([new EditText("t", Converge.Model.Ot.TextDelta.ForEdit(0, 0, 0, "ot"), 0)]);
        var crdt = new CrdtText("r").Insert(0, "crdt")!;
        var update = new EditCrdtText("t", Converge.Model.Text.TextOperationCodec.Encode([crdt]));
        Assert.Equal("ot", ot.Apply([update]).GetText("t"));
        var crdtMap = JsonMap.Empty.Apply([update]);
        Assert.Equal("crdt", crdtMap.GetText("t"));
        Assert.Equal("crdt", crdtMap.Apply([new EditText("t", Converge.Model.Ot.TextDelta.ForEdit(4, 0, 0, "x"), 0)]).GetText("t"));
        Assert.NotNull(new EditCrdtText("t", [1, 2, 3]).Validate());
    }

    [Fact]
    public void A_counter__saturates_at_the_json_safe_integer_limit_and_treats_a_non_number_as_zero()
    {
        var map = JsonMap.Empty.Apply([new SetValue("n", JsonSerializer.SerializeToElement("text")), new IncrementValue("n", 2)]);
        Assert.Equal(2, map.GetCounter("n"));
        map = map.Apply([new IncrementValue("n", IncrementValue.MaxMagnitude), new IncrementValue("n", IncrementValue.MaxMagnitude)]);
        Assert.Equal(IncrementValue.MaxMagnitude, map.GetCounter("n"));
        Assert.NotNull(new IncrementValue("n", IncrementValue.MaxMagnitude + 1).Validate());
    }

    [Fact]
    public void An_add_concurrent_with_a_remove__wins()
    {
        var map = JsonMap.Empty.Apply([new AddToSet("tags", "bug", "t1")]);
        var observed = map.GetSetTags("tags", "bug");
        // Another client adds "bug" again (a new tag) before this client's removal reaches the server.
        map = map.Apply([new AddToSet("tags", "bug", "t2"), new RemoveFromSet("tags", "bug", observed)]);

        Assert.Equal(["bug"], map.GetSet("tags"));
        map = map.Apply([new RemoveFromSet("tags", "bug", map.GetSetTags("tags", "bug"))]);
        Assert.Empty(map.GetSet("tags"));
    }

    [Fact]
    public void Set_operations_in_any_causal_order__give_the_same_set()
    {
        // A script of adds (fresh tags) and removes (of tags some earlier add made); any delivery order that keeps each
        // remove after the adds it observed ends in the same set: exactly the elements with an unremoved tag.
        Gen.Select(Gen.Int[0, 4].Array[1, 25], Gen.Bool.Array[25], Gen.Int).Sample((elements, isRemove, seed) =>
        {
            var script = new List<(DocumentOperation Operation, int[] After)>();
            var adds = new List<(string Element, string Tag, int Index)>();
            for (var i = 0; i < elements.Length; i++)
            {
                var element = "e" + elements[i];
                var candidates = adds.Where(a => a.Element == element).ToArray();
                if (isRemove[i] && candidates.Length > 0)
                {
                    script.Add((new RemoveFromSet("s", element, candidates.Select(c => c.Tag).ToArray()), candidates.Select(c => c.Index).ToArray()));
                }
                else
                {
                    adds.Add((element, "t" + i, script.Count));
                    script.Add((new AddToSet("s", element, "t" + i), []));
                }
            }

            var random = new Random(seed);
            var order = new List<int>();
            var remaining = Enumerable.Range(0, script.Count).ToList();
            while (remaining.Count > 0)
            {
                var ready = remaining.Where(i => script[i].After.All(order.Contains)).ToArray();
                var next = ready[random.Next(ready.Length)];
                order.Add(next);
                remaining.Remove(next);
            }

            var inScriptOrder = JsonMap.Empty.Apply(script.Select(s => s.Operation));
            var shuffled = JsonMap.Empty.Apply(order.Select(i => script[i].Operation));
            var removed = script.Select(s => s.Operation).OfType<RemoveFromSet>().SelectMany(r => r.Tags).ToHashSet();
            var expected = adds.Where(a => !removed.Contains(a.Tag)).Select(a => a.Element).Distinct().Order(StringComparer.Ordinal);
            Assert.Equal(expected, inScriptOrder.GetSet("s"));
            Assert.Equal(expected, shuffled.GetSet("s"));
        }, iter: 1000);
    }

    [Fact]
    public void Invalid_set_operations__are_refused_by_validation()
    {
        Assert.NotNull(new AddToSet("s", "", "t").Validate());
        Assert.NotNull(new AddToSet("s", "e", new string('t', SetTags.MaxTagLength + 1)).Validate());
        Assert.NotNull(new RemoveFromSet("s", "e", []).Validate());
        Assert.Null(new AddToSet("s", "e", SetTags.NewTag()).Validate());
        Assert.NotEqual(SetTags.NewTag(), SetTags.NewTag());
    }
}

/// <summary>Collaborative text values inside a <see cref="JsonMap"/>.</summary>
public sealed class TextValueTests
{
    [Fact]
    public void An_edit_at_the_current_revision__applies_and_counts_a_revision()
    {
        var map = JsonMap.Empty.Apply([new EditText("t", Converge.Model.Ot.TextDelta.ForEdit(0, 0, 0, "héllo 🙂"), 0)]);
        map = map.Apply([new EditText("t", Converge.Model.Ot.TextDelta.ForEdit(7, 6, 1, "world"), 1)]);

        Assert.Equal("héllo world", map.GetText("t"));
        Assert.Equal(2, map.GetTextRevision("t"));
        Assert.Equal(JsonValueKind.Object, map["t"].ValueKind);
    }

    [Fact]
    public void An_edit_that_does_not_fit__is_skipped_alike_everywhere()
    {
        var map = JsonMap.Empty.Apply([new EditText("t", Converge.Model.Ot.TextDelta.ForEdit(0, 0, 0, "abc"), 0)]);

        var wrongRevision = map.Apply([new EditText("t", Converge.Model.Ot.TextDelta.ForEdit(3, 0, 0, "x"), 0)]);
        var wrongLength = map.Apply([new EditText("t", Converge.Model.Ot.TextDelta.ForEdit(2, 0, 0, "x"), 1)]);

        Assert.Equal("abc", wrongRevision.GetText("t"));
        Assert.Equal("abc", wrongLength.GetText("t"));
        Assert.Equal(1, wrongLength.GetTextRevision("t"));
        Assert.NotNull(new EditText("t", Converge.Model.Ot.TextDelta.Identity(0), -1).Validate());
    }
}
