using Converge.Model.Encoding;
using Converge.Model.Ot;

namespace Converge.Model.Tests.Ot;

public sealed class TextDeltaTests
{
    [Fact]
    public void The_builder__merges_neighbours_drops_empties_and_puts_an_insert_before_a_delete()
    {
        var delta = new TextDeltaBuilder().Retain(2).Retain(0).Retain(1).Delete(2).Insert("ab").Insert("").Insert("c").Delete(1).Retain(4).Build();

        Assert.Equal("[retain 3, insert \"abc\", delete 3, retain 4]", delta.ToString());
        Assert.Equal(10, delta.BaseLength);
        Assert.Equal(10, delta.TargetLength);
        Assert.Equal(delta, new TextDeltaBuilder().Retain(3).Insert("abc").Delete(3).Retain(4).Build());
    }

    [Fact]
    public void Lengths_count_code_points__so_an_emoji_is_one_and_is_never_split()
    {
        var delta = TextDelta.ForEdit(4, 1, 1, "😀");

        Assert.Equal("a😀c😀", delta.Apply("a🙂c😀"));
        Assert.Equal(1, new TextDeltaBuilder().Insert("😀").Build().TargetLength);
    }

    [Fact]
    public void Applying_to_a_text_of_the_wrong_length__throws_a_typed_error()
    {
        var error = Assert.Throws<InvalidTextDeltaException>(() => TextDelta.ForEdit(3, 0, 0, "x").Apply("ab"));
        Assert.Equal("invalid_delta", error.ErrorCode);
    }

    [Fact]
    public void A_lone_surrogate__is_refused()
    {
        Assert.Throws<ArgumentException>(() => new TextDeltaBuilder().Insert("a\uD83D"));
        Assert.Throws<ArgumentException>(() => new OtClient("\uDE00", 0));
    }

    [Fact]
    public void Concurrent_inserts_at_one_spot__go_in_tie_break_order_on_both_sides()
    {
        var left = TextDelta.ForEdit(2, 1, 0, "L");
        var right = TextDelta.ForEdit(2, 1, 0, "R");

        var (l1, r1) = TextDelta.Transform(left, right, TieBreak.LeftFirst);
        Assert.Equal("aLRb", r1.Apply(left.Apply("ab")));
        Assert.Equal("aLRb", l1.Apply(right.Apply("ab")));

        var (l2, r2) = TextDelta.Transform(left, right, TieBreak.RightFirst);
        Assert.Equal("aRLb", r2.Apply(left.Apply("ab")));
        Assert.Equal("aRLb", l2.Apply(right.Apply("ab")));
    }

    [Fact]
    public void Concurrent_deletes_of_overlapping_ranges__delete_the_union_once()
    {
        var left = TextDelta.ForEdit(6, 1, 3, "");
        var right = TextDelta.ForEdit(6, 2, 3, "");
        var (l, r) = TextDelta.Transform(left, right, TieBreak.LeftFirst);

        Assert.Equal("af", r.Apply(left.Apply("abcdef")));
        Assert.Equal("af", l.Apply(right.Apply("abcdef")));
    }

    [Fact]
    public void Invert__restores_the_deleted_text()
    {
        var delta = new TextDeltaBuilder().Retain(1).Delete(2).Insert("XY").Retain(1).Build();
        var edited = delta.Apply("a😀bc");

        Assert.Equal("aXYc", edited);
        Assert.Equal("a😀bc", delta.Invert("a😀bc").Apply(edited));
    }

    [Fact]
    public void Deltas_of_different_bases__cannot_be_transformed_or_composed()
    {
        Assert.Throws<InvalidTextDeltaException>(() => TextDelta.Transform(TextDelta.Identity(1), TextDelta.Identity(2), TieBreak.LeftFirst));
        Assert.Throws<InvalidTextDeltaException>(() => TextDelta.Compose(TextDelta.Identity(1), TextDelta.Identity(2)));
    }

    [Fact]
    public void The_encoding__is_a_format_byte_a_count_and_one_varint_per_component()
    {
        var delta = new TextDeltaBuilder().Retain(1).Insert("a").Delete(1).Build();

        Assert.Equal("510304060161" + "05", Convert.ToHexString(delta.Encode()).ToLowerInvariant());
        Assert.Equal(delta, TextDelta.Decode(delta.Encode()));
    }

    [Theory]
    [InlineData("5102050601", "61")] // delete before insert
    [InlineData("51020404", "")] // two retains that should be one
    [InlineData("5101", "00")] // zero-length component
    [InlineData("5101", "")] // a count with no components
    [InlineData("5101060262", "62")] // an insert of 1 code point holding 2
    [InlineData("5101070161", "")] // kind 3
    [InlineData("5201", "04")] // another type's format byte
    [InlineData("51010402", "")] // trailing bytes
    public void Non_canonical_or_malformed_encodings__are_refused_with_a_typed_error(string head, string tail)
    {
        Assert.Throws<ModelEncodingException>(() => TextDelta.Decode(Convert.FromHexString(head + tail)));
    }
}
