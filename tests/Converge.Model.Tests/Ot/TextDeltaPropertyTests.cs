using Converge.Model.Ot;
using CsCheck;

namespace Converge.Model.Tests.Ot;

/// <summary>The OT laws, each over ≥ 1,000 generated cases (texts include non-BMP code points).</summary>
public sealed class TextDeltaPropertyTests
{
    private const int Iterations = EncodingProperties.Iterations;

    [Fact]
    public void Transform_satisfies_TP1__for_either_tie_break()
    {
        Gen.Select(DeltaGen.TextAndTwoDeltas, Gen.Bool).Sample((c, leftFirst) =>
        {
            var (l, r) = TextDelta.Transform(c.A, c.B, leftFirst ? TieBreak.LeftFirst : TieBreak.RightFirst);
            Assert.Equal(r.Apply(c.A.Apply(c.Text)), l.Apply(c.B.Apply(c.Text)));
        }, iter: Iterations);
    }

    [Fact]
    public void Between_two_texts__is_a_delta_from_the_first_to_the_second_touching_only_what_differs()
    {
        Gen.Select(DeltaGen.Text, DeltaGen.Text).Sample((from, to) =>
        {
            var delta = TextDelta.Between(from, to);
            Assert.Equal(to, delta.Apply(from));
            Assert.Equal(string.Equals(from, to, StringComparison.Ordinal), delta.IsIdentity);
        }, iter: Iterations);
    }

    [Fact]
    public void Transform_against_the_identity__changes_nothing()
    {
        DeltaGen.TextAndDelta.Sample(c =>
        {
            var (l, r) = TextDelta.Transform(c.Delta, TextDelta.Identity(c.Delta.BaseLength), TieBreak.LeftFirst);
            Assert.Equal(c.Delta, l);
            Assert.Equal(c.Delta.TargetLength, r.BaseLength);
            Assert.True(r.IsIdentity);
        }, iter: Iterations);
    }

    [Fact]
    public void Compose__has_the_effect_of_applying_both_in_turn()
    {
        DeltaGen.TextAndDelta.SelectMany(c => DeltaGen.On(c.Delta.Apply(c.Text)).Select(second => (c.Text, First: c.Delta, Second: second)))
            .Sample(c => Assert.Equal(c.Second.Apply(c.First.Apply(c.Text)), TextDelta.Compose(c.First, c.Second).Apply(c.Text)), iter: Iterations);
    }

    [Fact]
    public void Compose__is_associative()
    {
        DeltaGen.TextAndDelta
            .SelectMany(c => DeltaGen.On(c.Delta.Apply(c.Text)).Select(b => (c.Text, A: c.Delta, B: b)))
            .SelectMany(c => DeltaGen.On(c.B.Apply(c.A.Apply(c.Text))).Select(third => (c.A, c.B, C: third)))
            .Sample(c => Assert.Equal(
                TextDelta.Compose(TextDelta.Compose(c.A, c.B), c.C),
                TextDelta.Compose(c.A, TextDelta.Compose(c.B, c.C))), iter: Iterations);
    }

    [Fact]
    public void Invert__undoes_the_delta_and_composes_to_the_identity()
    {
        DeltaGen.TextAndDelta.Sample(c =>
        {
            var inverse = c.Delta.Invert(c.Text);
            Assert.Equal(c.Text, inverse.Apply(c.Delta.Apply(c.Text)));
            Assert.Equal(c.Text, TextDelta.Compose(c.Delta, inverse).Apply(c.Text));
        }, iter: Iterations);
    }

    [Fact]
    public void Encoding__round_trips_every_delta()
    {
        DeltaGen.TextAndDelta.Sample(c => Assert.Equal(c.Delta, TextDelta.Decode(c.Delta.Encode())), iter: Iterations);
    }

    [Fact]
    public void Hostile_bytes__fail_with_a_typed_error()
    {
        EncodingProperties.AssertHostileBytesFailCleanly(DeltaGen.TextAndDelta.Select(static c => c.Delta.Encode()), static bytes => TextDelta.Decode(bytes));
    }
}
