using Converge.Model.Ot;
using CsCheck;

namespace Converge.Model.Tests.Ot;

/// <summary>Random texts (with non-BMP code points) and random deltas that fit them.</summary>
internal static class DeltaGen
{
    public static readonly string[] Pieces = ["a", "b", "xy", "é", "😀", "中文", "\n", " ", "👩‍💻"];

    public static readonly Gen<string> Chunk =
        Gen.Int[0, Pieces.Length - 1].Select(static i => Pieces[i]).Array[1, 3].Select(static parts => string.Concat(parts));

    public static readonly Gen<string> Text = Chunk.Array[0, 12].Select(static parts => string.Concat(parts));

    public static Gen<TextDelta> On(string text)
    {
        var length = Length(text);
        return Gen.Select(Gen.Int[0, 2], Gen.Int[1, 6], Chunk).Array[0, 10].Select(steps => Fold(length, steps));
    }

    public static readonly Gen<(string Text, TextDelta Delta)> TextAndDelta =
        Text.SelectMany(static text => On(text).Select(delta => (text, delta)));

    public static readonly Gen<(string Text, TextDelta A, TextDelta B)> TextAndTwoDeltas =
        Text.SelectMany(static text => Gen.Select(On(text), On(text)).Select(pair => (text, pair.Item1, pair.Item2)));

    public static int Length(string text) => text.EnumerateRunes().Count();

    private static TextDelta Fold(int length, (int Kind, int Size, string Chunk)[] steps)
    {
        var builder = new TextDeltaBuilder();
        var remaining = length;
        foreach (var (kind, size, chunk) in steps)
        {
            switch (kind)
            {
                case 0:
                    var kept = Math.Min(size, remaining);
                    builder.Retain(kept);
                    remaining -= kept;
                    break;
                case 1:
                    var deleted = Math.Min(size, remaining);
                    builder.Delete(deleted);
                    remaining -= deleted;
                    break;
                default:
                    builder.Insert(chunk);
                    break;
            }
        }

        return builder.Retain(remaining).Build();
    }
}
