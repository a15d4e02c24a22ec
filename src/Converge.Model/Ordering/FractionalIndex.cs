using System.Text;

namespace Converge.Model.Ordering;

/// <summary>
/// Fractional indexing (the article's Figma section): order keys are strings compared ordinally, and a key can always
/// be made between any two, so moving an item rewrites one key and nothing else. A key is an integer part (a head
/// letter giving its length — 'a'..'z' for positive, 'A'..'Z' for negative — then base-62 digits) and an optional
/// fraction without trailing '0'. Appending or prepending increments or decrements the integer part, so keys stay
/// short (10,000 appends end below 5 characters); inserting between two keys extends the fraction.
/// After David Greenspan's "Implementing Fractional Indexing".
/// </summary>
public static class FractionalIndex
{
    private const string Digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private const string SmallestInteger = "A00000000000000000000000000";

    /// <summary>A key strictly between <paramref name="before"/> and <paramref name="after"/>.</summary>
    /// <param name="before">The key to follow, or <see langword="null"/> for "at the start".</param>
    /// <param name="after">The key to precede, or <see langword="null"/> for "at the end".</param>
    /// <exception cref="ArgumentException">A key is malformed, or <paramref name="before"/> is not below <paramref name="after"/>.</exception>
    public static string Between(string? before, string? after)
    {
        if (before is not null)
        {
            Validate(before, nameof(before));
        }

        if (after is not null)
        {
            Validate(after, nameof(after));
        }

        if (before is not null && after is not null && string.CompareOrdinal(before, after) >= 0)
        {
            throw new ArgumentException($"'{before}' is not below '{after}'.", nameof(before));
        }

        if (before is null)
        {
            if (after is null)
            {
                return "a0";
            }

            var integerAfter = IntegerPart(after);
            var fractionAfter = after[integerAfter.Length..];
            if (integerAfter == SmallestInteger)
            {
                return integerAfter + Midpoint(string.Empty, fractionAfter);
            }

            return integerAfter.Length < after.Length
                ? integerAfter
                : Decrement(integerAfter) ?? throw new ArgumentException("No key fits below the smallest key.", nameof(after));
        }

        var integerBefore = IntegerPart(before);
        var fractionBefore = before[integerBefore.Length..];
        if (after is null)
        {
            return Increment(integerBefore) ?? integerBefore + Midpoint(fractionBefore, null);
        }

        var integer = IntegerPart(after);
        if (integerBefore == integer)
        {
            return integerBefore + Midpoint(fractionBefore, after[integer.Length..]);
        }

        var next = Increment(integerBefore) ?? throw new ArgumentException("No key fits above the largest key.", nameof(before));
        return string.CompareOrdinal(next, after) < 0 ? next : integerBefore + Midpoint(fractionBefore, null);
    }

    /// <summary>
    /// A key strictly between the bounds that another client inserting at the same spot concurrently will almost surely
    /// not produce: the key from <see cref="Between"/> followed by a suffix drawn from <paramref name="random"/> (give
    /// each client its own). With the default 4 digits two concurrent inserts collide with probability 1 in 62⁴
    /// (≈ 15 million); should they, the object map orders equal positions by object id, so the order stays
    /// deterministic. Note that .NET's seeded <see cref="Random"/> gives seeds <c>x</c> and <c>-x</c> the same sequence.
    /// </summary>
    /// <param name="before">The key to follow, or null for the start.</param>
    /// <param name="after">The key to precede, or null for the end.</param>
    /// <param name="random">This client's randomness (seeded from the client id, for example).</param>
    /// <param name="suffixLength">How many random digits to add. Default 4 (62⁴ ≈ 15 million choices).</param>
    public static string BetweenUnique(string? before, string? after, Random random, int suffixLength = 4)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfLessThan(suffixLength, 1);
        var lower = before;
        while (true)
        {
            var key = Between(lower, after);
            var suffix = new StringBuilder(suffixLength);
            for (var i = 0; i < suffixLength - 1; i++)
            {
                suffix.Append(Digits[random.Next(Digits.Length)]);
            }

            suffix.Append(Digits[random.Next(1, Digits.Length)]); // never a trailing '0'
            var candidate = key + suffix;
            // A key that is a prefix of 'after' leaves no room behind it: step closer to 'after' and try again.
            if (after is null || string.CompareOrdinal(candidate, after) < 0)
            {
                return candidate;
            }

            lower = key;
        }
    }

    /// <summary><paramref name="count"/> keys, ascending, evenly spread between the bounds.</summary>
    /// <param name="before">The key to follow, or null for the start.</param>
    /// <param name="after">The key to precede, or null for the end.</param>
    /// <param name="count">How many keys.</param>
    public static IReadOnlyList<string> NBetween(string? before, string? after, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var keys = new List<string>(count);
        Fill(before, after, count, keys);
        return keys;
    }

    /// <summary>Whether <paramref name="key"/> is a well-formed order key.</summary>
    /// <param name="key">The key.</param>
    public static bool IsValid(string? key)
    {
        if (string.IsNullOrEmpty(key) || key == SmallestInteger || key.Any(c => Digits.IndexOf(c, StringComparison.Ordinal) < 0))
        {
            return false;
        }

        var length = IntegerLength(key[0]);
        return length > 0 && length <= key.Length && !(key.Length > length && key[^1] == '0');
    }

    private static void Fill(string? before, string? after, int count, List<string> keys)
    {
        if (count == 0)
        {
            return;
        }

        if (after is null || before is null)
        {
            // Towards an open end, step one key at a time: each step is an integer increment (or decrement), short.
            var sequence = new List<string>(count);
            var cursor = after is null ? before : after;
            for (var i = 0; i < count; i++)
            {
                cursor = after is null ? Between(cursor, null) : Between(null, cursor);
                sequence.Add(cursor);
            }

            if (after is not null)
            {
                sequence.Reverse();
            }

            keys.AddRange(sequence);
            return;
        }

        var middle = Between(before, after);
        var left = count / 2;
        Fill(before, middle, left, keys);
        keys.Add(middle);
        Fill(middle, after, count - left - 1, keys);
    }

    private static void Validate(string key, string name)
    {
        if (!IsValid(key))
        {
            throw new ArgumentException($"'{key}' is not a valid order key.", name);
        }
    }

    private static int IntegerLength(char head) => head switch
    {
        >= 'a' and <= 'z' => head - 'a' + 2,
        >= 'A' and <= 'Z' => 'Z' - head + 2,
        _ => 0,
    };

    private static string IntegerPart(string key) => key[..IntegerLength(key[0])];

    // The fraction strictly between a and b (b null = 1), digits only, no trailing zeros.
    private static string Midpoint(string a, string? b)
    {
        if (b is not null)
        {
            var common = 0;
            while (common < b.Length && (common < a.Length ? a[common] : '0') == b[common])
            {
                common++;
            }

            if (common > 0)
            {
                return b[..common] + Midpoint(common < a.Length ? a[common..] : string.Empty, b[common..]);
            }
        }

        var digitA = a.Length > 0 ? Digits.IndexOf(a[0], StringComparison.Ordinal) : 0;
        var digitB = b is not null ? Digits.IndexOf(b[0], StringComparison.Ordinal) : Digits.Length;
        if (digitB - digitA > 1)
        {
            return Digits[(digitA + digitB + 1) / 2].ToString();
        }

        return b is not null && b.Length > 1
            ? b[..1]
            : Digits[digitA] + Midpoint(a.Length > 1 ? a[1..] : string.Empty, null);
    }

    private static string? Increment(string integer)
    {
        var head = integer[0];
        var digits = integer[1..].ToCharArray();
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var next = Digits.IndexOf(digits[i], StringComparison.Ordinal) + 1;
            if (next < Digits.Length)
            {
                digits[i] = Digits[next];
                return head + new string(digits);
            }

            digits[i] = '0';
        }

        return head switch
        {
            'Z' => "a0",
            'z' => null,
            // One more digit from 'a' up; one fewer below 'a' (the negative side shrinks towards zero).
            _ => (char)(head + 1) > 'a' ? (char)(head + 1) + new string(digits) + "0" : (char)(head + 1) + new string(digits)[1..],
        };
    }

    private static string? Decrement(string integer)
    {
        var head = integer[0];
        var digits = integer[1..].ToCharArray();
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var previous = Digits.IndexOf(digits[i], StringComparison.Ordinal) - 1;
            if (previous >= 0)
            {
                digits[i] = Digits[previous];
                return head + new string(digits);
            }

            digits[i] = 'z';
        }

        return head switch
        {
            'a' => "Z" + "z",
            'A' => null,
            _ => (char)(head - 1) < 'Z' ? (char)(head - 1) + new string(digits) + "z" : (char)(head - 1) + new string(digits)[1..],
        };
    }
}
