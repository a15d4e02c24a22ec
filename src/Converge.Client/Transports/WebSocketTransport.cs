using System.Buffers;
using System.Net.WebSockets;
using Converge.Client.Reconnection;
using Converge.Protocol;
using Converge.Protocol.Codecs;
using Converge.Protocol.Frames;

namespace Converge.Client.Transports;

/// <summary>
/// The WebSocket transport over <see cref="ClientWebSocket"/>, which also runs in Blazor WebAssembly (where the
/// browser owns compression and keep-alive, so those options are only set elsewhere).
/// </summary>
internal sealed class WebSocketTransport : ITransport
{
    private readonly ClientWebSocket _socket = new();
    private IFrameCodec _codec;
    private readonly int _maxFrameBytes;
    private readonly TimeProvider _time;
    private readonly ArrayBufferWriter<byte> _sendBuffer = new(4096);
    // ClientWebSocket allows one outstanding send, and a close frame is a send: data and close share this gate.
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private byte[] _receiveBuffer = new byte[4096];

    public WebSocketTransport(IFrameCodec codec, int maxFrameBytes, bool enableCompression, TimeProvider time)
    {
        _codec = codec;
        _maxFrameBytes = maxFrameBytes;
        _time = time;
        _socket.Options.AddSubProtocol(codec.IsBinary ? ConvergeProtocol.MessagePackSubprotocol : ConvergeProtocol.JsonSubprotocol);
        if (!OperatingSystem.IsBrowser())
        {
            // Our ping/pong frames detect dead connections; protocol-level keep-alives would only add traffic.
            _socket.Options.KeepAliveInterval = TimeSpan.Zero;
            // So that a refused upgrade tells us its status (401, 403, 429 with Retry-After, 5xx).
            _socket.Options.CollectHttpResponseDetails = true;
            if (enableCompression)
            {
                _socket.Options.DangerousDeflateOptions = new WebSocketDeflateOptions();
            }
        }
    }

    public string Name => "websocket";

    public TransportClose? Close { get; private set; }

    public async ValueTask ConnectAsync(Uri serverUri, HelloFrame hello, string? accessToken, CancellationToken cancellationToken)
    {
        var uri = serverUri;
        if (accessToken is not null)
        {
            if (OperatingSystem.IsBrowser())
            {
                // Browsers cannot set headers on a WebSocket handshake; the query string is the usual carrier.
                uri = new UriBuilder(serverUri) { Query = AppendQuery(serverUri.Query, "access_token", accessToken) }.Uri;
            }
            else
            {
                _socket.Options.SetRequestHeader("Authorization", "Bearer " + accessToken);
            }
        }

        try
        {
            await _socket.ConnectAsync(uri, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException)
        {
            var status = OperatingSystem.IsBrowser() ? 0 : (int)_socket.HttpStatusCode;
            var failure = status is > 0 and not 101
                ? FailureClassifier.FromHttpStatus(status, null, _time.GetUtcNow(), "WebSocket upgrade refused") with
                {
                    RetryAfter = FailureClassifier.RetryAfter(RetryAfterHeader(), _time.GetUtcNow()),
                }
                : FailureClassifier.FromException(ex, _time.GetUtcNow());
            throw new ConvergeConnectionException(failure, ex);
        }

        // Speak what the server chose: a server that ignored our binary offer answers in JSON.
        _codec = _socket.SubProtocol == ConvergeProtocol.MessagePackSubprotocol ? MessagePackFrameCodec.Instance : JsonFrameCodec.Instance;
        await SendAsync(hello, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask SendAsync(Frame frame, CancellationToken cancellationToken)
    {
        await _sendGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _sendBuffer.ResetWrittenCount();
            _codec.Encode(frame, _sendBuffer);
            var type = _codec.IsBinary ? WebSocketMessageType.Binary : WebSocketMessageType.Text;
            await _socket.SendAsync(_sendBuffer.WrittenMemory, type, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendGate.Release();
        }
    }

    public async ValueTask<Frame?> ReceiveAsync(CancellationToken cancellationToken)
    {
        var length = 0;
        while (true)
        {
            if (length == _receiveBuffer.Length)
            {
                if (length >= _maxFrameBytes)
                {
                    throw new ProtocolException(ErrorCodes.FrameTooLarge, $"The server sent a frame over {_maxFrameBytes} bytes.");
                }

                Array.Resize(ref _receiveBuffer, Math.Min(_receiveBuffer.Length * 2, _maxFrameBytes));
            }

            ValueWebSocketReceiveResult result;
            try
            {
                result = await _socket.ReceiveAsync(_receiveBuffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException)
            {
                Close ??= new TransportClose(null, $"Connection lost: {ex.Message}");
                return null;
            }

            if (result.MessageType == WebSocketMessageType.Close)
            {
                var code = _socket.CloseStatus is { } status ? (ConvergeCloseCode)(int)status : (ConvergeCloseCode?)null;
                Close ??= new TransportClose(code, _socket.CloseStatusDescription ?? "Closed by the server.");
                // Answer a server-initiated close so the server sees a clean handshake.
                await SendCloseAsync(ConvergeCloseCode.Normal, null, CancellationToken.None).ConfigureAwait(false);
                return null;
            }

            length += result.Count;
            if (result.EndOfMessage)
            {
                if (result.MessageType == WebSocketMessageType.Binary && !_codec.IsBinary)
                {
                    throw new ProtocolException(ErrorCodes.UnsupportedEncoding, "The server sent a binary frame on a JSON connection.");
                }

                return _codec.Decode(_receiveBuffer.AsSpan(0, length));
            }
        }
    }

    public async ValueTask CloseAsync(ConvergeCloseCode code, string reason, CancellationToken cancellationToken)
    {
        Close ??= new TransportClose(code, reason);
        await SendCloseAsync(code, reason, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        _sendGate.Dispose();
        return ValueTask.CompletedTask;
    }

    internal static string AppendQuery(string existing, string name, string value)
    {
        var pair = Uri.EscapeDataString(name) + "=" + Uri.EscapeDataString(value);
        return string.IsNullOrEmpty(existing) || existing == "?" ? pair : existing.TrimStart('?') + "&" + pair;
    }

    private string? RetryAfterHeader() =>
        _socket.HttpResponseHeaders is { } headers && headers.TryGetValue("Retry-After", out var values) ? values.FirstOrDefault() : null;

    private async ValueTask SendCloseAsync(ConvergeCloseCode code, string? reason, CancellationToken cancellationToken)
    {
        try
        {
            await _sendGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _socket.Abort();
            return;
        }

        try
        {
            // Only one close frame per side: skip when ours is out already or the socket is gone.
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync((WebSocketCloseStatus)(int)code, reason, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer is already gone; there is no handshake left to complete.
            _socket.Abort();
        }
        finally
        {
            _sendGate.Release();
        }
    }
}
