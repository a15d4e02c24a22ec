using System.Text;

namespace Converge.Model.Text;

/// <summary>
/// Every code point one replica ever inserted, indexed by clock, so items hold no text of their own and split for
/// free. Paged, one byte per code point while a page is Latin-1 (most text) and four once it is not; pages that were
/// never written (content of deleted code points that an encoded state leaves out) are not allocated.
/// </summary>
internal sealed class CodePointBuffer
{
    private const int PageBits = 12;
    private const int PageSize = 1 << PageBits;
    private const int PageMask = PageSize - 1;

    private object?[] _pages = [];

    public int Count { get; private set; }

    public void Append(string text)
    {
        foreach (var rune in text.EnumerateRunes())
        {
            EnsureCapacity(Count + 1);
            Set(Count++, rune.Value);
        }
    }

    /// <summary>Reserves <paramref name="count"/> more clocks whose content is unknown (reads as U+0000).</summary>
    public void Skip(int count)
    {
        EnsureCapacity(Count + count);
        Count += count;
    }

    public void Set(int clock, int codePoint)
    {
        var pageIndex = clock >> PageBits;
        var page = _pages[pageIndex];
        if (page is int[] wide)
        {
            wide[clock & PageMask] = codePoint;
            return;
        }

        if (codePoint <= 0xFF)
        {
            if (page is not byte[] narrow)
            {
                _pages[pageIndex] = narrow = new byte[PageSize];
            }

            narrow[clock & PageMask] = (byte)codePoint;
            return;
        }

        var widened = new int[PageSize];
        if (page is byte[] old)
        {
            for (var i = 0; i < PageSize; i++)
            {
                widened[i] = old[i];
            }
        }

        widened[clock & PageMask] = codePoint;
        _pages[pageIndex] = widened;
    }

    public int Get(int clock) => _pages[clock >> PageBits] switch
    {
        byte[] narrow => narrow[clock & PageMask],
        int[] wide => wide[clock & PageMask],
        _ => 0,
    };

    /// <summary>Appends the code points of clocks [start, start + length) to <paramref name="builder"/>.</summary>
    public void AppendTo(StringBuilder builder, int start, int length)
    {
        var end = start + length;
        while (start < end)
        {
            var page = _pages[start >> PageBits];
            var offset = start & PageMask;
            var take = Math.Min(end - start, PageSize - offset);
            switch (page)
            {
                case byte[] narrow:
                    for (var i = 0; i < take; i++)
                    {
                        builder.Append((char)narrow[offset + i]);
                    }

                    break;
                case int[] wide:
                    for (var i = 0; i < take; i++)
                    {
                        var value = wide[offset + i];
                        if (value < 0x10000)
                        {
                            builder.Append((char)value);
                        }
                        else
                        {
                            builder.Append((char)(0xD800 + ((value - 0x10000) >> 10)));
                            builder.Append((char)(0xDC00 + ((value - 0x10000) & 0x3FF)));
                        }
                    }

                    break;
                default:
                    builder.Append('\0', take);
                    break;
            }

            start += take;
        }
    }

    private void EnsureCapacity(int count)
    {
        var pages = (count + PageMask) >> PageBits;
        if (pages > _pages.Length)
        {
            Array.Resize(ref _pages, Math.Max(pages, _pages.Length * 2));
        }
    }
}
