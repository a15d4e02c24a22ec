using System.Text;
using System.Threading.Channels;
using Converge.Client.Transports.ServerSentEvents;
using Converge.Protocol;

namespace Converge.Client.Tests.Transports.ServerSentEvents;

public sealed class SseStreamReaderTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static async Task<List<SseItem>> ReadAll(SseStreamReader reader, CancellationToken cancellationToken = default)
    {
        var items = new List<SseItem>();
        await foreach (var item in reader.ReadAllAsync(cancellationToken))
        {
            items.Add(item);
        }

        return items;
    }

    [Fact]
    public async Task Whole_stream__yields_the_same_items_as_the_parser()
    {
        const string text = ": hi\nretry: 1500\n\nevent: e\ndata: a\ndata: b\nid: 9\n\nid: 10\n\ndata: unfinished";
        var bytes = Encoding.UTF8.GetBytes(text);
        var parser = new SseEventParser();

        var items = await ReadAll(new SseStreamReader(new MemoryStream(bytes), parser));

        Assert.Equal(SseFeed.Whole(bytes), items);
        Assert.Equal(
            [SseItem.ForComment(" hi"), SseItem.ForRetry(TimeSpan.FromMilliseconds(1500)), SseItem.ForEvent(new SseEvent("e", "a\nb", "9")), SseItem.ForLastEventId("10")],
            items);
        Assert.Equal("10", parser.LastEventId);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), parser.ReconnectionTime);
    }

    [Fact]
    public async Task Stream_that_returns_one_byte_per_read__yields_the_same_items()
    {
        var bytes = Encoding.UTF8.GetBytes("data: 😀\r\n\r\n:\rdata: é\r\r");

        var items = await ReadAll(new SseStreamReader(new TrickleStream(bytes), new SseEventParser()));

        Assert.Equal([SseItem.ForEvent(new SseEvent("message", "😀", "")), SseItem.ForComment(""), SseItem.ForEvent(new SseEvent("message", "é", ""))], items);
    }

    [Fact]
    public async Task Items__arrive_as_soon_as_their_bytes_do_not_at_the_end_of_the_stream()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var stream = new ChannelStream();
        await using var items = new SseStreamReader(stream, new SseEventParser()).ReadAllAsync(timeout.Token).GetAsyncEnumerator();

        stream.Write("data: one\n");
        stream.Write("\n: ping\n");
        Assert.True(await items.MoveNextAsync());
        Assert.Equal("one", items.Current.Event?.Data);
        Assert.True(await items.MoveNextAsync());
        Assert.Equal(" ping", items.Current.Comment);

        stream.Write("data: two\r");
        stream.Write("\r");
        Assert.True(await items.MoveNextAsync());
        Assert.Equal("two", items.Current.Event?.Data);

        stream.Complete();
        Assert.False(await items.MoveNextAsync());
    }

    [Fact]
    public async Task Cancellation_while_waiting_for_bytes__throws_and_discards_the_incomplete_event()
    {
        using var cancellation = new CancellationTokenSource();
        var stream = new ChannelStream();
        var parser = new SseEventParser();
        var reader = new SseStreamReader(stream, parser);
        stream.Write("id: 1\ndata: a\n\nid: 2\ndata: half");

        var reading = ReadAll(reader, cancellation.Token);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading.WaitAsync(Timeout));
        Assert.Equal("1", parser.LastEventId);
        Assert.Equal([SseItem.ForEvent(new SseEvent("message", "b", "1"))], SseFeed.Text("\ndata: b\n\n", parser));
    }

    [Fact]
    public async Task Consumer_stopping_early__ends_the_parsers_stream()
    {
        var parser = new SseEventParser();
        var reader = new SseStreamReader(new MemoryStream("data: a\n\ndata: b\n"u8.ToArray()), parser);

        await foreach (var _ in reader.ReadAllAsync())
        {
            break;
        }

        // The half-read "data: b" is gone, as it would be after a dropped connection.
        Assert.Equal([SseItem.ForEvent(new SseEvent("message", "c", ""))], SseFeed.Text("data: c\n\n", parser));
    }

    [Fact]
    public async Task One_parser_across_two_streams__keeps_the_last_event_id_for_the_reconnect()
    {
        var parser = new SseEventParser();
        await ReadAll(new SseStreamReader(new MemoryStream("id: 5\ndata: a\n\ndata: cut off"u8.ToArray()), parser));

        var second = await ReadAll(new SseStreamReader(new MemoryStream([0xEF, 0xBB, 0xBF, .. "data: b\n\n"u8]), parser));

        Assert.Equal([SseItem.ForEvent(new SseEvent("message", "b", "5"))], second);
    }

    [Fact]
    public async Task Oversized_event__throws_frame_too_large_from_the_enumeration()
    {
        var reader = new SseStreamReader(new MemoryStream(Encoding.UTF8.GetBytes("data: " + new string('x', 5000))), new SseEventParser(maxEventBytes: 1024), bufferSize: 100);

        var exception = await Assert.ThrowsAsync<ProtocolException>(() => ReadAll(reader));

        Assert.Equal(ErrorCodes.FrameTooLarge, exception.ErrorCode);
    }

    [Fact]
    public async Task Stream_failure__propagates()
    {
        var reader = new SseStreamReader(new FailingStream(), new SseEventParser());

        await Assert.ThrowsAsync<IOException>(() => ReadAll(reader));
    }

    /// <summary>Returns at most one byte per read, the worst a network can do.</summary>
    private sealed class TrickleStream(byte[] bytes) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position == bytes.Length || count == 0)
            {
                return 0;
            }

            buffer[offset] = bytes[_position++];
            return 1;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A response body the test writes into while the reader waits, like a live SSE response.</summary>
    private sealed class ChannelStream : Stream
    {
        private readonly Channel<byte[]> _chunks = Channel.CreateUnbounded<byte[]>();
        private ReadOnlyMemory<byte> _current;

        public void Write(string text) => Assert.True(_chunks.Writer.TryWrite(Encoding.UTF8.GetBytes(text)));

        public void Complete() => _chunks.Writer.Complete();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_current.IsEmpty)
            {
                if (!await _chunks.Reader.WaitToReadAsync(cancellationToken))
                {
                    return 0;
                }

                _chunks.Reader.TryRead(out var chunk);
                _current = chunk;
            }

            var count = Math.Min(buffer.Length, _current.Length);
            _current[..count].CopyTo(buffer);
            _current = _current[count..];
            return count;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("async only");
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class FailingStream : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new IOException("connection reset");
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
