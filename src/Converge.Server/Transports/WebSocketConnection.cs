using System.Buffers;
using System.Net.WebSockets;
using Converge.Protocol;
using Converge.Protocol.Codecs;
using Converge.Protocol.Frames;
using Converge.Server.Sessions;
using Microsoft.Extensions.Logging;

namespace Converge.Server.Transports;

/// <summary>
/// Pumps one WebSocket: a receive loop that decodes frames into the session, and a send loop that drains the
/// session's outbound queue, then closes with the session's close code. Bad input ends here as an error frame and
/// a documented close code; it never escapes as an exception.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "RunAsync owns and disposes _receiveAbort (using); the field only lets the static closing callback reach it.")]
internal sealed partial class WebSocketConnection
{
    private const int InitialBufferBytes = 4096;

    // Most frames a session gets alone are small (welcome, subscribed, acks); the writer grows for the rest.
    private const int FirstSendBufferBytes = 256;

    private readonly WebSocket _socket;
    private readonly ServerSession _session;
    private readonly IFrameCodec _codec;
    private readonly ConvergeServerOptions _options;
    private readonly TimeProvider _time;
    private readonly SessionTracker _tracker;

    // Disposed as soon as hello has arrived: a connection holds no timer it no longer needs while it idles.
    private ITimer? _helloTimer;

    // Cancels both loops CloseTimeout after closing starts (set once RunAsync starts).
    private CancellationTokenSource? _receiveAbort;
    private readonly ILogger _logger;

    public WebSocketConnection(WebSocket socket, ServerSession session, IFrameCodec codec, ConvergeServerOptions options, TimeProvider time, SessionTracker tracker, ILogger logger)
    {
        _tracker = tracker;

        _socket = socket;
        _session = session;
        _codec = codec;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public async Task RunAsync(CancellationToken stopping, CancellationToken aborted)
    {
        using var stoppingRegistration = stopping.Register(static state =>
            ((ServerSession)state!).Fail(ErrorCodes.ShuttingDown, "The server is shutting down; reconnect and resume."), _session);
        using var abortedRegistration = aborted.Register(static state =>
            ((ServerSession)state!).Close(ConvergeCloseCode.Normal, "The connection was aborted."), _session);
        _helloTimer = _time.CreateTimer(static state =>
        {
            var session = (ServerSession)state!;
            if (!session.HasHello)
            {
                session.Fail(ErrorCodes.Timeout, "No hello arrived in time.");
            }
        }, _session, _options.HelloTimeout, Timeout.InfiniteTimeSpan);
        _session.StartLivenessCheck(_time);
        using var tracked = _tracker.Track("websocket");

        // Once closing starts, give the peer CloseTimeout to answer our close frame, then stop waiting.
        using var receiveAbort = _receiveAbort = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
        // A static callback with this connection as its state: no closure and delegate held per connection while it idles.
        using var closingRegistration = _session.Closing.Register(static state =>
        {
            var connection = (WebSocketConnection)state!;
            connection._receiveAbort!.CancelAfter(connection._options.CloseTimeout);
        }, this);

        using var rateLimiter = new Security.FrameRateLimiter(_options.MaxFramesPerSecond, _options.FrameBurst, _time);
        // A peer that stops reading fills its TCP window and would block a send forever: sends give up too, once closing
        // has started and CloseTimeout has passed.
        var send = SendLoopAsync(receiveAbort.Token);
        try
        {
            await ReceiveLoopAsync(rateLimiter, receiveAbort.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
        {
            Log.ReceiveEnded(_logger, _session.SessionId, ex.Message);
        }
        catch (Exception ex)
        {
            Log.ReceiveFailed(_logger, ex, _session.SessionId);
            _session.Close(ConvergeCloseCode.InternalError, "Internal error.");
        }
        finally
        {
            _helloTimer?.Dispose();
            _session.Close(ConvergeCloseCode.Normal, "Connection ended.");
            await send.ConfigureAwait(false);
            await _session.EndAsync().ConfigureAwait(false);
            if (_socket.State is not WebSocketState.Closed)
            {
                _socket.Abort();
            }
        }
    }

    private async Task ReceiveLoopAsync(Security.FrameRateLimiter rateLimiter, CancellationToken cancellationToken)
    {
        // Rented only while a message is arriving: most connections are idle most of the time, and a buffer each held
        // while waiting was about a quarter of an idle connection's server memory (docs/benchmarks.md, "Hot path").
        byte[]? buffer = null;
        try
        {
            var length = 0;
            var discarding = false;
            while (true)
            {
                ValueWebSocketReceiveResult result;
                if (buffer is null)
                {
                    // Waits for the next message without a buffer (as Kestrel and SignalR do); it may also return a whole
                    // empty message, or the close.
                    result = await _socket.ReceiveAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
                    if (result.MessageType != WebSocketMessageType.Close && !result.EndOfMessage)
                    {
                        buffer = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
                        continue;
                    }
                }
                else
                {
                    if (length == buffer.Length)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, _options.MaxFrameBytes + 1));
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }

                    result = await _socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                }

                _session.Touch(_time);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    _session.Close(ConvergeCloseCode.Normal, "The client closed the connection.");
                    return;
                }

                length += result.Count;
                if (length > _options.MaxFrameBytes && !discarding)
                {
                    Log.BadFrame(_logger, _session.SessionId, ErrorCodes.FrameTooLarge, $"more than {_options.MaxFrameBytes} bytes");
                    _session.Fail(ErrorCodes.FrameTooLarge, $"Frames are limited to {_options.MaxFrameBytes} bytes.");
                    discarding = true;
                }

                if (discarding)
                {
                    // Keep reading (and dropping) until the peer answers our close: the handshake stays clean.
                    length = 0;
                    continue;
                }

                if (!result.EndOfMessage)
                {
                    continue;
                }

                await DispatchAsync(result.MessageType, buffer is null ? ReadOnlyMemory<byte>.Empty : buffer.AsMemory(0, length), rateLimiter, cancellationToken).ConfigureAwait(false);
                discarding = _session.CloseReason is not null;
                length = 0;
                if (buffer is not null)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = null;
                }
            }
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private async ValueTask DispatchAsync(WebSocketMessageType type, ReadOnlyMemory<byte> payload, Security.FrameRateLimiter rateLimiter, CancellationToken cancellationToken)
    {
        try
        {
            if (type == WebSocketMessageType.Binary && !_codec.IsBinary)
            {
                throw new ProtocolException(ErrorCodes.UnsupportedEncoding, "Binary frames need the binary codec, which this connection did not negotiate.");
            }

            if (!rateLimiter.TryAcquire(1, out var retryAfter))
            {
                Log.RateLimited(_logger, _session.SessionId, retryAfter);
                _session.Fail(ErrorCodes.RateLimited, $"More than {_options.MaxFramesPerSecond} frames per second; retry after {retryAfter.TotalMilliseconds:0} ms.",
                    (long)retryAfter.TotalMilliseconds);
                return;
            }

            var frame = _codec.Decode(payload.Span);
            await _session.HandleAsync(frame, cancellationToken).ConfigureAwait(false);
            if (_helloTimer is not null && _session.HasHello)
            {
                _helloTimer.Dispose();
                _helloTimer = null;
            }
        }
        catch (ProtocolException ex)
        {
            Log.BadFrame(_logger, _session.SessionId, ex.ErrorCode, ex.Message);
            _session.Fail(ex.ErrorCode, ex.Message);
        }
        catch (ObjectDisposedException)
        {
            _session.Fail(ErrorCodes.ShuttingDown, "The server is shutting down; reconnect and resume.");
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
            _session.Fail(ErrorCodes.ShuttingDown, "The document is unavailable; reconnect and resume.");
        }
    }

    private async Task SendLoopAsync(CancellationToken abandon)
    {
        // Made on the first frame this session alone gets and dropped whenever the queue runs dry: an idle session holds
        // no buffer, and one large snapshot's buffer is not kept for the connection's lifetime.
        ArrayBufferWriter<byte>? buffer = null;
        var messageType = _codec.IsBinary ? WebSocketMessageType.Binary : WebSocketMessageType.Text;
        try
        {
            // WaitToReadAsync and TryRead rather than ReadAllAsync: no enumerator kept alive for the connection's lifetime.
            var outbound = _session.Outbound;
            while (await outbound.WaitToReadAsync(abandon).ConfigureAwait(false))
            {
                while (outbound.TryRead(out var frame))
                {
                    ReadOnlyMemory<byte> message;
                    // Only MessagePack frames join: a JSON session never makes a buffer for a join it cannot do.
                    if (frame is ChangesFrame changes && _codec is MessagePackFrameCodec && outbound.TryPeek(out var next) && next is ChangesFrame
                        && ChangesCoalescing.TryJoin(changes, outbound, _codec, _options.MaxChangesPerFrame, _options.SnapshotPartBytes,
                            buffer = Reset(buffer)))
                    {
                        // Behind: the run of queued changes of this document goes as one frame.
                        message = buffer.WrittenMemory;
                    }
                    else if (!SharedFrameEncoding.TryGet(frame, _codec, out message))
                    {
                        buffer = Reset(buffer);
                        _codec.Encode(frame, buffer);
                        message = buffer.WrittenMemory;
                    }

                    await _socket.SendAsync(message, messageType, endOfMessage: true, abandon).ConfigureAwait(false);
                }

                buffer = null;
            }

            var close = _session.CloseReason ?? new SessionClose(ConvergeCloseCode.Normal, "Closed.");
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(_options.CloseTimeout, _time);
                await _socket.CloseOutputAsync((WebSocketCloseStatus)(int)close.Code, Truncate(close.Reason), timeout.Token).ConfigureAwait(false);
            }

            Log.Closed(_logger, _session.SessionId, (int)close.Code, close.Reason);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
        {
            Log.SendEnded(_logger, _session.SessionId, ex.Message);
            _session.Close(ConvergeCloseCode.Normal, "Connection lost.");
        }
    }

    private static ArrayBufferWriter<byte> Reset(ArrayBufferWriter<byte>? buffer)
    {
        buffer ??= new ArrayBufferWriter<byte>(FirstSendBufferBytes);
        buffer.ResetWrittenCount();
        return buffer;
    }

    // RFC 6455 §5.5: a close frame's reason fits in 123 bytes of UTF-8.
    private static string Truncate(string reason)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(reason) <= 123)
        {
            return reason;
        }

        var end = Math.Min(reason.Length, 120);
        while (System.Text.Encoding.UTF8.GetByteCount(reason.AsSpan(0, end)) > 120)
        {
            end--;
        }

        return reason[..end] + "...";
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 30, EventName = "WebSocketBadFrame", Level = LogLevel.Warning, Message = "Session {SessionId}: bad frame ({ErrorCode}): {Detail}")]
        public static partial void BadFrame(ILogger logger, string sessionId, string errorCode, string detail);

        [LoggerMessage(EventId = 31, EventName = "WebSocketReceiveEnded", Level = LogLevel.Debug, Message = "Session {SessionId}: receive ended: {Reason}")]
        public static partial void ReceiveEnded(ILogger logger, string sessionId, string reason);

        [LoggerMessage(EventId = 32, EventName = "WebSocketSendEnded", Level = LogLevel.Debug, Message = "Session {SessionId}: send ended: {Reason}")]
        public static partial void SendEnded(ILogger logger, string sessionId, string reason);

        [LoggerMessage(EventId = 33, EventName = "WebSocketReceiveFailed", Level = LogLevel.Error, Message = "Session {SessionId}: receive loop failed.")]
        public static partial void ReceiveFailed(ILogger logger, Exception exception, string sessionId);

        [LoggerMessage(EventId = 35, EventName = "WebSocketRateLimited", Level = LogLevel.Warning, Message = "Session {SessionId}: over its frame rate; closing, retry after {RetryAfter}.")]
        public static partial void RateLimited(ILogger logger, string sessionId, TimeSpan retryAfter);

        [LoggerMessage(EventId = 34, EventName = "WebSocketClosed", Level = LogLevel.Debug, Message = "Session {SessionId}: closed with {CloseCode} ({Reason}).")]
        public static partial void Closed(ILogger logger, string sessionId, int closeCode, string reason);
    }
}
