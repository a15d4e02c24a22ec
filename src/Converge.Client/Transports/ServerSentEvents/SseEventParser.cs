using System.Buffers;
using System.Diagnostics;
using System.Text;
using Converge.Protocol;

namespace Converge.Client.Transports.ServerSentEvents;

/// <summary>
/// An incremental <c>text/event-stream</c> parser implementing WHATWG HTML §9.2.6 "Interpreting an event stream"
/// (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation). Feed it the bytes
/// as they arrive, split anywhere (inside a CRLF, inside a multi-byte UTF-8 character); it returns one
/// <see cref="SseItem"/> at a time.
/// </summary>
/// <remarks>
/// <para>
/// Pull model, like <c>Utf8JsonReader</c>: <see cref="TryParse(ReadOnlySpan{byte}, out int, out SseItem)"/> stops
/// after each item so the caller can hand it on (or <c>yield</c> it) and call again with the rest of the input. Every
/// byte it reports as consumed is owned by the parser from then on: a partial line is copied to a pooled buffer, so
/// the caller may reuse its read buffer immediately.
/// </para>
/// <para>
/// Works on bytes, decodes late. CR, LF and ':' are ASCII, and UTF-8 never uses ASCII bytes inside a multi-byte
/// sequence, so finding line ends and colons in the bytes is the same as finding them in the decoded text; and
/// because an invalid sequence cannot run past an ASCII byte, decoding each field value on its own with U+FFFD
/// replacement (the spec's "UTF-8 decode") gives exactly the characters that decoding the whole stream would. A
/// character split across chunks is therefore never decoded until its line is complete. Invalid UTF-8 is not an
/// error: it becomes U+FFFD, as the spec's decoder (and every <c>EventSource</c>) does.
/// </para>
/// <para>
/// Bounded: the current line plus the accumulated data buffer may not exceed <see cref="MaxEventBytes"/>; beyond it
/// the parser throws <see cref="ProtocolException"/> with <see cref="ErrorCodes.FrameTooLarge"/>, which is the only
/// exception it throws for any input. After that the stream is unusable; <see cref="EndOfStream"/> resets the
/// parser for the next connection.
/// </para>
/// <para>Not thread-safe: one reader owns it, as one receive loop owns a transport.</para>
/// </remarks>
internal sealed class SseEventParser : IDisposable
{
    /// <summary>The default for <see cref="MaxEventBytes"/>: 16 MiB.</summary>
    public const int DefaultMaxEventBytes = 16 * 1024 * 1024;

    // Buffers that grew past this for one huge event go back to the pool after it, so a single large event does not
    // pin megabytes for the life of a long-lived connection.
    private const int RetainedBufferBytes = 64 * 1024;

    private static ReadOnlySpan<byte> Bom => [0xEF, 0xBB, 0xBF];

    private readonly ByteBuffer _line = new();
    private readonly ByteBuffer _data = new();
    private readonly ByteBuffer _eventType = new();
    private readonly ByteBuffer _lastEventIdBuffer = new();

    // How many bytes of a leading BOM have been seen; -1 once the start of the stream has been decided.
    private int _bomBytesSeen;
    // The previous line ended with CR, so an LF at the start of the next input completes a CRLF and is skipped.
    private bool _afterCr;
    // An id field changed the last event ID buffer since the last dispatch.
    private bool _lastEventIdBufferChanged;
    // One-entry cache so that a stream whose events all share a type decodes the type once, not per event.
    private string _cachedType = SseEvent.DefaultType;
    private byte[] _cachedTypeBytes = "message"u8.ToArray();

    /// <summary>Creates a parser.</summary>
    /// <param name="maxEventBytes">See <see cref="MaxEventBytes"/>.</param>
    /// <param name="lastEventId">
    /// The last event ID to start from, e.g. the cursor a previous connection ended with; events without an <c>id</c>
    /// line carry it until the stream sets another.
    /// </param>
    public SseEventParser(int maxEventBytes = DefaultMaxEventBytes, string lastEventId = "")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEventBytes, 1);
        ArgumentNullException.ThrowIfNull(lastEventId);
        MaxEventBytes = maxEventBytes;
        LastEventId = lastEventId;
        _lastEventIdBuffer.Set(Encoding.UTF8.GetBytes(lastEventId));
    }

    /// <summary>
    /// The most bytes the current line (without its line break) plus the event's data buffer may hold. This bounds the
    /// parser's memory to a small multiple of it whatever the server sends.
    /// </summary>
    public int MaxEventBytes { get; }

    /// <summary>
    /// The stream's last event ID string as of the last blank line (WHATWG: set at dispatch, even when no event is
    /// dispatched). This is what a reconnect sends as <c>Last-Event-ID</c> (nothing when empty). It survives
    /// <see cref="EndOfStream"/>, as <c>EventSource</c> keeps it across reconnections.
    /// </summary>
    public string LastEventId { get; private set; }

    /// <summary>The reconnection time from the last valid <c>retry</c> field, if any stream set one.</summary>
    public TimeSpan? ReconnectionTime { get; private set; }

    /// <summary>
    /// Parses from <paramref name="input"/> until one item is complete or the input is used up.
    /// </summary>
    /// <param name="input">The next bytes of the stream.</param>
    /// <param name="consumed">
    /// How many bytes of <paramref name="input"/> were used. All of them when this returns false; when it returns true,
    /// call again with the rest.
    /// </param>
    /// <param name="item">The item, when this returns true.</param>
    /// <returns>Whether an item was produced.</returns>
    /// <exception cref="ProtocolException">
    /// <see cref="ErrorCodes.FrameTooLarge"/>: a line plus the data buffer exceeded <see cref="MaxEventBytes"/>.
    /// </exception>
    public bool TryParse(ReadOnlySpan<byte> input, out int consumed, out SseItem item)
    {
        var position = 0;
        if (_bomBytesSeen >= 0)
        {
            // WHATWG "UTF-8 decode" strips one leading BOM, which may itself arrive split across reads.
            while (_bomBytesSeen < Bom.Length && position < input.Length && input[position] == Bom[_bomBytesSeen])
            {
                _bomBytesSeen++;
                position++;
            }

            if (_bomBytesSeen == Bom.Length)
            {
                _bomBytesSeen = -1;
            }
            else if (position == input.Length)
            {
                consumed = position;
                item = default;
                return false;
            }
            else
            {
                // Not a BOM after all: the bytes held back are ordinary line bytes (none of them is CR or LF).
                AppendToLine(Bom[.._bomBytesSeen]);
                _bomBytesSeen = -1;
            }
        }

        while (position < input.Length)
        {
            if (_afterCr)
            {
                _afterCr = false;
                if (input[position] == (byte)'\n')
                {
                    position++;
                    continue;
                }
            }

            var rest = input[position..];
            var end = rest.IndexOfAny((byte)'\r', (byte)'\n');
            if (end < 0)
            {
                AppendToLine(rest);
                break;
            }

            // A CR ends the line at once (no waiting for a possible LF), so a blank line dispatches without delay.
            _afterCr = rest[end] == (byte)'\r';
            position += end + 1;
            bool produced;
            if (_line.Length == 0)
            {
                // The whole line is in the caller's buffer: parse it in place, no copy.
                produced = ProcessLine(rest[..end], out item);
            }
            else
            {
                AppendToLine(rest[..end]);
                produced = ProcessLine(_line.Span, out item);
                _line.Clear();
            }

            if (produced)
            {
                consumed = position;
                return true;
            }
        }

        consumed = input.Length;
        item = default;
        return false;
    }

    /// <summary>
    /// Parses from <paramref name="buffer"/> until one item is complete or the buffer is used up, and slices off what
    /// was consumed (all of it when this returns false), so a <c>PipeReader</c> loop can advance to
    /// <c>buffer.Start</c>.
    /// </summary>
    /// <param name="buffer">The next bytes of the stream; on return, the part not yet consumed.</param>
    /// <param name="item">The item, when this returns true.</param>
    /// <returns>Whether an item was produced.</returns>
    /// <exception cref="ProtocolException">
    /// <see cref="ErrorCodes.FrameTooLarge"/>: a line plus the data buffer exceeded <see cref="MaxEventBytes"/>.
    /// </exception>
    public bool TryParse(ref ReadOnlySequence<byte> buffer, out SseItem item)
    {
        if (buffer.IsSingleSegment)
        {
            var found = TryParse(buffer.FirstSpan, out var consumed, out item);
            buffer = buffer.Slice(consumed);
            return found;
        }

        long total = 0;
        foreach (var segment in buffer)
        {
            if (TryParse(segment.Span, out var consumed, out item))
            {
                buffer = buffer.Slice(total + consumed);
                return true;
            }

            total += segment.Length;
        }

        buffer = buffer.Slice(buffer.End);
        item = default;
        return false;
    }

    /// <summary>
    /// The stream ended (cleanly or not): discards the incomplete event and line, as the spec requires ("the end of
    /// the stream is not enough to trigger the dispatch of the last event"), and expects a fresh stream, which may
    /// start with its own BOM. <see cref="LastEventId"/> and <see cref="ReconnectionTime"/> are kept for the
    /// reconnection.
    /// </summary>
    public void EndOfStream()
    {
        _line.Release();
        _data.Release();
        _eventType.Clear();
        _bomBytesSeen = 0;
        _afterCr = false;
        if (_lastEventIdBufferChanged)
        {
            // An id line without its blank line never reached the last event ID string; forget it.
            _lastEventIdBuffer.Set(Encoding.UTF8.GetBytes(LastEventId));
            _lastEventIdBufferChanged = false;
        }
    }

    /// <summary>
    /// Ends the stream (see <see cref="EndOfStream"/>) and returns the pooled buffers. The parser stays usable, with
    /// its <see cref="LastEventId"/>: it rents again if fed, so disposing early is never a use-after-free.
    /// </summary>
    public void Dispose()
    {
        EndOfStream();
        _eventType.Release();
        // The ID buffer must keep mirroring LastEventId (ProcessLine compares against it), so refill it after release.
        _lastEventIdBuffer.Release();
        _lastEventIdBuffer.Set(Encoding.UTF8.GetBytes(LastEventId));
    }

    private void AppendToLine(ReadOnlySpan<byte> bytes)
    {
        EnsureWithinLimit((long)_line.Length + bytes.Length);
        _line.Append(bytes);
    }

    private void EnsureWithinLimit(long lineLength)
    {
        if (lineLength + _data.Length > MaxEventBytes)
        {
            throw new ProtocolException(
                ErrorCodes.FrameTooLarge,
                $"The server sent an event-stream line or event over {MaxEventBytes} bytes.");
        }
    }

    // WHATWG: "process the line" for one line without its line break.
    private bool ProcessLine(ReadOnlySpan<byte> line, out SseItem item)
    {
        EnsureWithinLimit(line.Length);
        item = default;
        if (line.IsEmpty)
        {
            return Dispatch(out item);
        }

        if (line[0] == (byte)':')
        {
            // The spec ignores comments; we surface them because servers send them as keep-alives.
            item = SseItem.ForComment(Encoding.UTF8.GetString(line[1..]));
            return true;
        }

        ReadOnlySpan<byte> name;
        ReadOnlySpan<byte> value;
        var colon = line.IndexOf((byte)':');
        if (colon < 0)
        {
            // "the whole line as the field name, and the empty string as the field value"
            name = line;
            value = [];
        }
        else
        {
            name = line[..colon];
            value = line[(colon + 1)..];
            if (!value.IsEmpty && value[0] == (byte)' ')
            {
                value = value[1..];
            }
        }

        if (name.SequenceEqual("data"u8))
        {
            _data.Append(value);
            _data.Append((byte)'\n');
        }
        else if (name.SequenceEqual("event"u8))
        {
            _eventType.Set(value);
        }
        else if (name.SequenceEqual("id"u8))
        {
            // U+0000 encodes as the single byte 0x00 and no other sequence contains it.
            if (!value.Contains((byte)0) && !value.SequenceEqual(_lastEventIdBuffer.Span))
            {
                _lastEventIdBuffer.Set(value);
                _lastEventIdBufferChanged = true;
            }
        }
        else if (name.SequenceEqual("retry"u8))
        {
            // "If the field value consists of only ASCII digits": the empty value is not a number, so it is ignored too.
            if (!value.IsEmpty && !value.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
            {
                ReconnectionTime = ParseMilliseconds(value);
                item = SseItem.ForRetry(ReconnectionTime.Value);
                return true;
            }
        }

        // Any other field name is ignored.
        return false;
    }

    // WHATWG: "dispatch the event".
    private bool Dispatch(out SseItem item)
    {
        var lastEventIdChanged = false;
        if (_lastEventIdBufferChanged)
        {
            _lastEventIdBufferChanged = false;
            var lastEventId = Encoding.UTF8.GetString(_lastEventIdBuffer.Span);
            if (lastEventId != LastEventId)
            {
                LastEventId = lastEventId;
                lastEventIdChanged = true;
            }
        }

        if (_data.Length == 0)
        {
            _eventType.Clear();
            item = lastEventIdChanged ? SseItem.ForLastEventId(LastEventId) : default;
            return lastEventIdChanged;
        }

        // Every data line appended an LF; the spec removes the last one.
        Debug.Assert(_data.Span[^1] == (byte)'\n', "the data buffer always ends with the LF of its last line");
        var data = Encoding.UTF8.GetString(_data.Span[..^1]);
        var type = DecodeEventType();
        _data.Clear();
        _eventType.Clear();
        item = SseItem.ForEvent(new SseEvent(type, data, LastEventId));
        return true;
    }

    private string DecodeEventType()
    {
        if (_eventType.Length == 0)
        {
            return SseEvent.DefaultType;
        }

        if (!_eventType.Span.SequenceEqual(_cachedTypeBytes))
        {
            _cachedTypeBytes = _eventType.Span.ToArray();
            _cachedType = Encoding.UTF8.GetString(_cachedTypeBytes);
        }

        return _cachedType;
    }

    private static TimeSpan ParseMilliseconds(ReadOnlySpan<byte> digits)
    {
        // The spec reads any number of digits as an integer; saturate rather than overflow or reject.
        const long MaxMilliseconds = long.MaxValue / TimeSpan.TicksPerMillisecond;
        long milliseconds = 0;
        foreach (var digit in digits)
        {
            milliseconds = (milliseconds * 10) + (digit - '0');
            if (milliseconds > MaxMilliseconds)
            {
                return TimeSpan.MaxValue;
            }
        }

        return TimeSpan.FromTicks(milliseconds * TimeSpan.TicksPerMillisecond);
    }

    /// <summary>A growable byte buffer over <see cref="ArrayPool{T}.Shared"/>.</summary>
    private sealed class ByteBuffer
    {
        private byte[] _array = [];

        public int Length { get; private set; }

        public ReadOnlySpan<byte> Span => _array.AsSpan(0, Length);

        public void Append(ReadOnlySpan<byte> bytes)
        {
            EnsureCapacity(Length + bytes.Length);
            bytes.CopyTo(_array.AsSpan(Length));
            Length += bytes.Length;
        }

        public void Append(byte value)
        {
            EnsureCapacity(Length + 1);
            _array[Length++] = value;
        }

        public void Set(ReadOnlySpan<byte> bytes)
        {
            Length = 0;
            Append(bytes);
        }

        /// <summary>Empties the buffer, keeping its array unless a huge event grew it.</summary>
        public void Clear()
        {
            Length = 0;
            if (_array.Length > RetainedBufferBytes)
            {
                Release();
            }
        }

        public void Release()
        {
            Length = 0;
            if (_array.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_array);
                _array = [];
            }
        }

        private void EnsureCapacity(int needed)
        {
            if (needed <= _array.Length)
            {
                return;
            }

            // Doubling keeps appends amortised O(1); the parser's limit check bounds how far this can go.
            var grown = ArrayPool<byte>.Shared.Rent((int)Math.Min(Array.MaxLength, Math.Max(needed, Math.Max(256L, _array.Length * 2L))));
            Span.CopyTo(grown);
            if (_array.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_array);
            }

            _array = grown;
        }
    }
}
