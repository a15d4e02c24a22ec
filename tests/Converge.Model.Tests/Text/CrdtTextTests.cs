using Converge.Model.Clocks;
using Converge.Model.Text;

namespace Converge.Model.Tests.Text;

public sealed class CrdtTextTests
{
    [Fact]
    public void Insert_and_Delete__edit_by_code_point_index()
    {
        var text = new CrdtText("a");
        text.Insert(0, "helo");
        text.Insert(3, "l");
        text.Insert(5, " world");
        text.Delete(0, 1);
        text.Insert(0, "H");

        Assert.Equal("Hello world", text.ToString());
        Assert.Equal(11, text.Length);
    }

    [Fact]
    public void Indices__count_code_points_not_utf16_units()
    {
        var text = new CrdtText("a");
        text.Insert(0, "a🙂b");
        Assert.Equal(3, text.Length);

        text.Insert(2, "𝄞");
        text.Delete(1, 1);

        Assert.Equal("a𝄞b", text.ToString());
        Assert.Equal(3, text.Length);
    }

    [Fact]
    public void Insert_or_Delete_outside_the_text__throws()
    {
        var text = new CrdtText("a");
        text.Insert(0, "abc");

        Assert.Throws<ArgumentOutOfRangeException>(() => text.Insert(4, "x"));
        Assert.Throws<ArgumentOutOfRangeException>(() => text.Delete(2, 2));
        Assert.Null(text.Insert(1, ""));
        Assert.Null(text.Delete(1, 0));
    }

    [Fact]
    public void Concurrent_runs_at_the_same_spot__stay_whole_in_either_order()
    {
        var a = new CrdtText("a");
        var b = new CrdtText("b");
        b.Integrate(a.Insert(0, "[]")!);
        var fromA = new[] { a.Insert(1, "a")!, a.Insert(2, "b")!, a.Insert(3, "c")! };
        var fromB = new[] { b.Insert(1, "x")!, b.Insert(2, "y")!, b.Insert(3, "z")! };

        foreach (var operation in fromB.Reverse())
        {
            a.Integrate(operation);
        }

        foreach (var operation in fromA)
        {
            b.Integrate(operation);
        }

        Assert.Equal(a.ToString(), b.ToString());
        Assert.Contains(a.ToString(), new[] { "[abcxyz]", "[xyzabc]" });
    }

    [Fact]
    public void Integrate__buffers_operations_until_their_dependencies_arrive()
    {
        var a = new CrdtText("a");
        var first = a.Insert(0, "hello")!;
        var second = a.Insert(5, "!")!;
        var deletion = a.Delete(0, 1)!;
        var b = new CrdtText("b");

        Assert.False(b.Integrate(deletion));
        Assert.False(b.Integrate(second));
        Assert.Equal(2, b.PendingCount);
        Assert.True(b.Integrate(first));

        Assert.Equal(0, b.PendingCount);
        Assert.Equal("ello!", b.ToString());
        Assert.Equal(a.Version, b.Version);
    }

    [Fact]
    public void Integrate__ignores_duplicates()
    {
        var a = new CrdtText("a");
        var insertion = a.Insert(0, "abc")!;
        var deletion = a.Delete(1, 1)!;
        var b = new CrdtText("b");

        Assert.True(b.Integrate(insertion));
        Assert.False(b.Integrate(insertion));
        Assert.True(b.Integrate(deletion));
        Assert.False(b.Integrate(deletion));
        Assert.False(b.Integrate(insertion));

        Assert.Equal("ac", b.ToString());
    }

    [Fact]
    public void Integrate__rejects_an_insertion_whose_clock_contradicts_its_replica()
    {
        var b = new CrdtText("b");
        var forged = new TextInsertion("a", 1, 7, null, null, "x");

        Assert.Throws<ArgumentException>(() => b.Integrate(forged));
    }

    [Fact]
    public void Integrate__reports_a_buffered_contradicting_operation_once_and_drops_it()
    {
        var a = new CrdtText("a");
        var first = a.Insert(0, "x")!;
        var b = new CrdtText("b");
        Assert.False(b.Integrate(new TextInsertion("a", 2, 5, null, null, "y")));

        Assert.Throws<ArgumentException>(() => b.Integrate(first));

        Assert.Equal("x", b.ToString());
        Assert.Equal(0, b.PendingCount);
        Assert.True(b.Integrate(a.Insert(1, "z")!));
        Assert.Equal("xz", b.ToString());
    }

    [Fact]
    public void Integrate__applies_a_long_reversed_backlog()
    {
        var a = new CrdtText("a");
        var operations = new List<TextOperation>();
        for (var i = 0; i < 2000; i++)
        {
            operations.Add(a.Insert(i, "x")!);
        }

        var b = new CrdtText("b");
        for (var i = operations.Count - 1; i >= 0; i--)
        {
            b.Integrate(operations[i]);
        }

        Assert.Equal(a.ToString(), b.ToString());
        Assert.Equal(0, b.PendingCount);
    }

    [Fact]
    public void Integrate__buffers_a_deletion_of_clocks_near_the_end_of_the_range_instead_of_overflowing()
    {
        var a = new CrdtText("a");
        var b = new CrdtText("b");
        b.Integrate(a.Insert(0, "abc")!);

        Assert.False(b.Integrate(new TextDeletion("a", 2, [new TextRange(new TextId("a", long.MaxValue), 2)])));

        Assert.Equal("abc", b.ToString());
        Assert.Equal(1, b.PendingCount);
    }

    [Fact]
    public void Version__counts_each_replicas_integrated_operations()
    {
        var a = new CrdtText("a");
        var b = new CrdtText("b");
        b.Integrate(a.Insert(0, "x")!);
        b.Integrate(a.Delete(0, 1)!);
        b.Insert(0, "y");

        Assert.Equal(VersionVector.Empty.With("a", 2).With("b", 1), b.Version);
    }

    [Fact]
    public void Typing_forward__extends_one_item_instead_of_adding_items()
    {
        var text = new CrdtText("a");
        for (var i = 0; i < 100; i++)
        {
            text.Insert(i, "x");
        }

        Assert.Equal(1, text.ItemCount);
    }

    [Fact]
    public void Backspacing__merges_the_tombstones_into_one_item()
    {
        var text = new CrdtText("a");
        text.Insert(0, "abcdefgh");
        for (var i = 8; i > 2; i--)
        {
            text.Delete(i - 1, 1);
        }

        Assert.Equal("ab", text.ToString());
        Assert.Equal(2, text.ItemCount);
    }

    [Fact]
    public void Compact__drops_stable_tombstones_but_keeps_each_runs_first_code_point()
    {
        var a = new CrdtText("a");
        a.Insert(0, "hello brave new world");
        a.Delete(6, 10);
        var itemsBefore = a.ItemCount;

        var dropped = a.Compact(a.Version);

        Assert.Equal(9, dropped);
        Assert.Equal("hello world", a.ToString());
        Assert.True(a.ItemCount <= itemsBefore);
    }

    [Fact]
    public void Compact__keeps_tombstones_whose_deletion_is_not_yet_stable()
    {
        var a = new CrdtText("a");
        a.Insert(0, "hello world");
        var stable = a.Version;
        a.Delete(0, 6);

        Assert.Equal(0, a.Compact(stable));
    }

    [Fact]
    public void A_compacted_replica__merges_with_an_up_to_date_replica_that_did_not_compact()
    {
        var a = new CrdtText("a");
        var b = new CrdtText("b");
        foreach (var operation in new TextOperation[] { a.Insert(0, "one two three")!, a.Delete(3, 4)!, a.Delete(0, 1)! })
        {
            b.Integrate(operation);
        }

        a.Compact(a.Version.Meet(b.Version));
        // b types right where the tombstones are: its right origin is a tombstone a kept as the head of the run.
        var fromB = b.Insert(2, "XY")!;
        var fromA = a.Insert(2, "Z")!;
        a.Integrate(fromB);
        b.Integrate(fromA);

        Assert.Equal(a.ToString(), b.ToString());
        Assert.Equal(a.ToString(), CrdtText.Decode(a.Encode(), "c").ToString());
    }
}
