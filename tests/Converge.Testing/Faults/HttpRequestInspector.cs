using System.Globalization;
using System.Text;

namespace Converge.Testing.Faults;

/// <summary>What <see cref="HttpRequestInspector.Next"/> found in the bytes it was given.</summary>
internal enum InspectionStep
{
    /// <summary>The consumed bytes are body, framing or opaque data: forward them as they are.</summary>
    Forward,

    /// <summary>The consumed bytes were held as part of a request head that is not complete yet: forward nothing.</summary>
    Held,

    /// <summary>A request head is complete (<see cref="HttpRequestInspector.Head"/>): decide, then forward <see cref="HttpRequestInspector.HeldBytes"/> and call <see cref="HttpRequestInspector.Release"/>, or reject.</summary>
    HeadComplete,

    /// <summary>The held bytes are not an HTTP/1.x request: forward <see cref="HttpRequestInspector.HeldBytes"/>, call <see cref="HttpRequestInspector.Release"/>; everything after is opaque.</summary>
    NotHttp,
}

/// <summary>
/// Follows the client-to-server byte stream of one connection as a sequence of HTTP/1.x requests (RFC 9112 §6:
/// no body, <c>Content-Length</c>, or chunked) so the proxy can see every request head, including later ones on a
/// kept-alive connection. It holds only the bytes of an incomplete head; anything it cannot follow (not HTTP, a
/// head over the limit, TLS, a protocol switch) turns the rest of the stream opaque, forwarded untouched.
/// </summary>
internal sealed class HttpRequestInspector(int maxHeadBytes)
{
    private const int MaxMethodLength = 16;
    private const int MaxFramingLineBytes = 1024;

    private readonly byte[] _head = new byte[maxHeadBytes];
    private readonly StringBuilder _line = new();
    private State _state = State.Head;
    private int _headLength;
    private bool _methodSeen;
    private long _remaining;

    private enum State
    {
        Head,
        Body,
        ChunkSizeLine,
        ChunkData,
        ChunkDataEnd,
        TrailerLine,
        Opaque,
    }

    /// <summary>The head completed by the last <see cref="InspectionStep.HeadComplete"/>.</summary>
    public HttpRequestHead? Head { get; private set; }

    /// <summary>The bytes held back so far (a head, complete or not).</summary>
    public ReadOnlySpan<byte> HeldBytes => _head.AsSpan(0, _headLength);

    /// <summary>True once the stream is past inspection (not HTTP, or switched protocols).</summary>
    public bool IsOpaque => _state == State.Opaque;

    /// <summary>Consumes a prefix of <paramref name="input"/> (<paramref name="consumed"/> bytes, at least one when input is not empty) and says what to do with it.</summary>
    public InspectionStep Next(ReadOnlySpan<byte> input, out int consumed)
    {
        switch (_state)
        {
            case State.Head:
                return NextHeadBytes(input, out consumed);
            case State.Body:
            case State.ChunkData:
                consumed = (int)Math.Min(_remaining, input.Length);
                _remaining -= consumed;
                if (_remaining == 0)
                {
                    _state = _state == State.Body ? State.Head : State.ChunkDataEnd;
                }

                return InspectionStep.Forward;
            case State.ChunkSizeLine:
            case State.ChunkDataEnd:
            case State.TrailerLine:
                NextFramingLineBytes(input, out consumed);
                return InspectionStep.Forward;
            default:
                consumed = input.Length;
                return InspectionStep.Forward;
        }
    }

    /// <summary>
    /// After the held bytes were forwarded: drops them and follows the body the completed head announces
    /// (or turns opaque after <see cref="InspectionStep.NotHttp"/> or a protocol switch).
    /// </summary>
    public void Release()
    {
        var head = Head;
        _headLength = 0;
        _methodSeen = false;
        if (_state == State.Opaque || head is null || head.SwitchesProtocols)
        {
            _state = State.Opaque;
        }
        else if (head.HasToken("Transfer-Encoding", "chunked"))
        {
            _state = State.ChunkSizeLine;
        }
        else if (head["Content-Length"] is { } length && long.TryParse(length, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes))
        {
            _remaining = bytes;
            _state = bytes > 0 ? State.Body : State.Head;
        }
        else if (head["Transfer-Encoding"] is not null || head["Content-Length"] is not null)
        {
            // A framing we do not follow: stop inspecting rather than guess.
            _state = State.Opaque;
        }
        else
        {
            _state = State.Head;
        }

        Head = null;
    }

    private InspectionStep NextHeadBytes(ReadOnlySpan<byte> input, out int consumed)
    {
        var start = _headLength;
        var count = Math.Min(input.Length, _head.Length - start);
        input[..count].CopyTo(_head.AsSpan(start));

        // A request starts with a method token of upper-case letters and a space; anything else is not ours to read.
        for (var i = start; !_methodSeen && i < start + count; i++)
        {
            var c = _head[i];
            if (c == (byte)' ' && i > 0)
            {
                _methodSeen = true;
            }
            else if (c is < (byte)'A' or > (byte)'Z' || i >= MaxMethodLength)
            {
                _headLength = start + count;
                consumed = count;
                _state = State.Opaque;
                return InspectionStep.NotHttp;
            }
        }

        var from = Math.Max(0, start - 3);
        var end = _head.AsSpan(from, start + count - from).IndexOf("\r\n\r\n"u8);
        if (end >= 0)
        {
            _headLength = from + end + 4;
            consumed = _headLength - start;
            Head = HttpRequestHead.TryParse(HeldBytes);
            if (Head is null)
            {
                _state = State.Opaque;
                return InspectionStep.NotHttp;
            }

            return InspectionStep.HeadComplete;
        }

        _headLength = start + count;
        consumed = count;
        if (_headLength == _head.Length)
        {
            _state = State.Opaque;
            return InspectionStep.NotHttp;
        }

        return InspectionStep.Held;
    }

    private void NextFramingLineBytes(ReadOnlySpan<byte> input, out int consumed)
    {
        var newline = input.IndexOf((byte)'\n');
        consumed = newline < 0 ? input.Length : newline + 1;
        if (_line.Length + consumed > MaxFramingLineBytes)
        {
            _state = State.Opaque;
            return;
        }

        _line.Append(Encoding.Latin1.GetString(input[..consumed]));
        if (newline < 0)
        {
            return;
        }

        var line = _line.ToString().TrimEnd('\r', '\n');
        _line.Clear();
        switch (_state)
        {
            case State.ChunkSizeLine:
                // chunk-size [; extensions] (RFC 9112 §7.1); size 0 is the last chunk, then trailers.
                var size = line.Split(';')[0].Trim();
                if (!long.TryParse(size, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out _remaining) || _remaining < 0)
                {
                    _state = State.Opaque;
                }
                else
                {
                    _state = _remaining == 0 ? State.TrailerLine : State.ChunkData;
                }

                break;
            case State.ChunkDataEnd:
                _state = State.ChunkSizeLine;
                break;
            default:
                // Trailer fields until the empty line that ends the message.
                _state = line.Length == 0 ? State.Head : State.TrailerLine;
                break;
        }
    }
}
