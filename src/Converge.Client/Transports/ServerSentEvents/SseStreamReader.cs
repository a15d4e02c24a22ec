using System.Buffers;
using System.Runtime.CompilerServices;

namespace Converge.Client.Transports.ServerSentEvents;

/// <summary>
/// Reads a <c>text/event-stream</c> body (typically an <c>HttpClient</c> response stream) through an
/// <see cref="SseEventParser"/> and yields what it finds as it arrives. Transport-agnostic: it knows nothing of
/// HTTP, reconnection or frames; the SSE transport builds those on top.
/// </summary>
/// <remarks>
/// The caller owns both the stream and the parser. Keeping one parser across reconnections keeps its
/// <see cref="SseEventParser.LastEventId"/> (the value for the next request's <c>Last-Event-ID</c> header) and
/// <see cref="SseEventParser.ReconnectionTime"/>.
/// </remarks>
internal sealed class SseStreamReader
{
    /// <summary>The default read size: small enough for keep-alives, large enough for typical frames in a few reads.</summary>
    public const int DefaultBufferSize = 4096;

    private readonly Stream _stream;
    private readonly int _bufferSize;

    /// <summary>Creates a reader.</summary>
    /// <param name="stream">The response body. Not disposed by the reader.</param>
    /// <param name="parser">The parser; see the remarks on <see cref="SseStreamReader"/>.</param>
    /// <param name="bufferSize">How many bytes to ask the stream for per read (from <see cref="ArrayPool{T}.Shared"/>).</param>
    public SseStreamReader(Stream stream, SseEventParser parser, int bufferSize = DefaultBufferSize)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(parser);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 1);
        _stream = stream;
        Parser = parser;
        _bufferSize = bufferSize;
    }

    /// <summary>The parser, for its <see cref="SseEventParser.LastEventId"/> and <see cref="SseEventParser.ReconnectionTime"/>.</summary>
    public SseEventParser Parser { get; }

    /// <summary>
    /// Yields every item in the stream, each as soon as the bytes that complete it have been read, until the stream
    /// ends. Enumerate once per stream.
    /// </summary>
    /// <remarks>
    /// However the enumeration ends (end of stream, exception, cancellation, or the consumer stopping early) the
    /// parser is told the stream ended, so an incomplete event is discarded and the parser is ready for the next
    /// connection.
    /// </remarks>
    /// <exception cref="Protocol.ProtocolException">The stream broke the parser's size limit.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="IOException">The stream failed.</exception>
    public async IAsyncEnumerable<SseItem> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(_bufferSize);
        try
        {
            while (true)
            {
                var read = await _stream.ReadAsync(buffer.AsMemory(0, _bufferSize), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    yield break;
                }

                var offset = 0;
                while (offset < read && Parser.TryParse(buffer.AsSpan(offset, read - offset), out var consumed, out var item))
                {
                    offset += consumed;
                    yield return item;
                }
            }
        }
        finally
        {
            Parser.EndOfStream();
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
