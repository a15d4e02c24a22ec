using System.Text;

namespace Converge.Protocol.Codecs;

/// <summary>
/// Short strings decoded recently on this thread, by their UTF-8 bytes: the same client id, document id and keys come
/// back in every change of a <c>changes</c> frame and in every frame after it, and decoding each again (a UTF-8 check,
/// a transcode and a new string per change) was a receiver's largest cost after the values themselves
/// (docs/benchmarks.md, "Hot path"). Strings are immutable, so handing out one instance for equal bytes is safe.
/// </summary>
/// <remarks>
/// A small direct-mapped table: a slot holds the last string whose bytes hashed to it, so a flood of distinct strings
/// only evicts entries and never grows it (at most <see cref="Slots"/> × <see cref="MaxBytes"/> bytes per thread).
/// </remarks>
internal sealed class Utf8StringCache
{
    /// <summary>Longer strings are decoded every time: they rarely repeat, and comparing them costs about as much.</summary>
    public const int MaxBytes = 64;

    private const int Slots = 64;

    [ThreadStatic]
    private static Utf8StringCache? t_current;

    private readonly byte[]?[] _bytes = new byte[Slots][];
    private readonly string?[] _strings = new string[Slots];

    public static Utf8StringCache Current => t_current ??= new Utf8StringCache();

    /// <summary>The string for <paramref name="utf8"/> (at most <see cref="MaxBytes"/> bytes), decoded with <paramref name="strict"/> on a miss.</summary>
    /// <exception cref="DecoderFallbackException">The bytes are not valid UTF-8 (from <paramref name="strict"/>).</exception>
    public string Get(ReadOnlySpan<byte> utf8, UTF8Encoding strict)
    {
        var hash = new HashCode();
        hash.AddBytes(utf8);
        var slot = (int)((uint)hash.ToHashCode() % Slots);
        if (_bytes[slot] is { } known && utf8.SequenceEqual(known))
        {
            return _strings[slot]!;
        }

        // Decoded before it is stored: invalid bytes throw and never enter the table.
        var decoded = strict.GetString(utf8);
        _bytes[slot] = utf8.ToArray();
        _strings[slot] = decoded;
        return decoded;
    }
}
