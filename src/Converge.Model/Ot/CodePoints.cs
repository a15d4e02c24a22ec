using System.Text;

namespace Converge.Model.Ot;

/// <summary>
/// Counting and stepping through UTF-16 strings by Unicode code point, so that a delta never splits a surrogate
/// pair and its lengths mean the same on every platform (JavaScript's UTF-16 indexes would not).
/// </summary>
internal static class CodePoints
{
    /// <summary>The number of code points in <paramref name="text"/>; throws on a lone surrogate.</summary>
    public static int Count(string text, string paramName)
    {
        var count = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                throw new ArgumentException($"The text has a lone surrogate at UTF-16 index {i}; text must be well-formed UTF-16.", paramName);
            }

            count++;
        }

        return count;
    }

    /// <summary>The UTF-16 index <paramref name="codePoints"/> code points after <paramref name="charIndex"/>.</summary>
    public static int Advance(string text, int charIndex, int codePoints)
    {
        for (var i = 0; i < codePoints; i++)
        {
            charIndex += char.IsHighSurrogate(text[charIndex]) && charIndex + 1 < text.Length && char.IsLowSurrogate(text[charIndex + 1]) ? 2 : 1;
        }

        return charIndex;
    }

    public static void AppendTo(StringBuilder builder, ReadOnlySpan<int> codePoints)
    {
        foreach (var codePoint in codePoints)
        {
            if (codePoint < 0x10000)
            {
                builder.Append((char)codePoint);
            }
            else
            {
                builder.Append(char.ConvertFromUtf32(codePoint));
            }
        }
    }
}
