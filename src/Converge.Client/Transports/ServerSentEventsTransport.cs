using System.Text;
using System.Text.Json;
using Converge.Client.Reconnection;
using Converge.Client.Transports.ServerSentEvents;
using Converge.Protocol;
using Converge.Protocol.Codecs;
using Converge.Protocol.Frames;

namespace Converge.Client.Transports;

/// <summary>
/// Server-Sent Events down (<c>GET …/sse?hello=…</c>, one frame per event), HTTP POST up (<c>POST …/sse/{session}</c>).
/// It passes proxies that refuse WebSocket upgrades. A stream that never delivers (a buffering proxy) yields no welcome
/// and fails the handshake, so the client falls back to long polling.
/// </summary>
internal sealed class ServerSentEventsTransport(HttpClient http, int maxFrameBytes, TimeProvider time) : ITransport
{
    private readonly TaskCompletionSource<Uri> _uplink = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _lifetime = new();
    private HttpResponseMessage? _response;
    private IAsyncEnumerator<SseItem>? _items;
    private Uri _base = null!;
    private string? _token;

    public string Name => "sse";

    public TransportClose? Close { get; private set; }

    public async ValueTask ConnectAsync(Uri serverUri, HelloFrame hello, string? accessToken, CancellationToken cancellationToken)
    {
        _base = HttpTransportEndpoints.HttpBase(serverUri);
        _token = accessToken;
        using var request = HttpTransportEndpoints.Request(HttpMethod.Get,
            HttpTransportEndpoints.Resolve(_base, "/sse", HttpTransportEndpoints.HelloQuery(hello)), accessToken);
        request.Headers.Accept.ParseAdd("text/event-stream");
        try
        {
            _response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new ConvergeConnectionException(FailureClassifier.FromException(ex, time.GetUtcNow()), ex);
        }

        await HttpTransportEndpoints.EnsureSuccessAsync(_response, time, cancellationToken).ConfigureAwait(false);
        if (_response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            throw new ConvergeConnectionException(new ConnectionFailure(FailureKind.ConnectionLost,
                $"Expected text/event-stream, got {_response.Content.Headers.ContentType?.MediaType ?? "nothing"} (a proxy in the way?)."));
        }

        var stream = await _response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        _items = new SseStreamReader(stream, new SseEventParser(maxFrameBytes)).ReadAllAsync(_lifetime.Token).GetAsyncEnumerator(_lifetime.Token);
    }

    public async ValueTask SendAsync(Frame frame, CancellationToken cancellationToken)
    {
        // The uplink needs the session id, which arrives in welcome, the stream's first event.
        var uplink = await _uplink.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        await HttpTransportEndpoints.PostAsync(http, uplink, frame, _token, time, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<Frame?> ReceiveAsync(CancellationToken cancellationToken)
    {
        if (_items is null)
        {
            return null;
        }

        using var registration = cancellationToken.Register(static s => ((CancellationTokenSource)s!).Cancel(), _lifetime);
        try
        {
            while (await _items.MoveNextAsync().ConfigureAwait(false))
            {
                var item = _items.Current;
                if (item.Kind != SseItemKind.Event)
                {
                    continue; // comments (keep-alive), retry and id-only blocks carry no frame
                }

                if (item.Event!.Type == "close")
                {
                    Close ??= ParseClose(item.Event.Data);
                    return null;
                }

                var frame = JsonFrameCodec.Instance.Decode(Encoding.UTF8.GetBytes(item.Event.Data));
                if (frame is WelcomeFrame welcome)
                {
                    _uplink.TrySetResult(HttpTransportEndpoints.Resolve(_base, "/sse/" + Uri.EscapeDataString(welcome.SessionId)));
                }

                return frame;
            }

            Close ??= new TransportClose(null, "The event stream ended.");
            return null;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Close ??= new TransportClose(null, $"The event stream broke: {ex.Message}");
            return null;
        }
    }

    public async ValueTask CloseAsync(ConvergeCloseCode code, string reason, CancellationToken cancellationToken)
    {
        // HTTP has no close frame: ending the stream ends the server's session.
        Close ??= new TransportClose(code, reason);
        await _lifetime.CancelAsync().ConfigureAwait(false);
        _response?.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await _lifetime.CancelAsync().ConfigureAwait(false);
        if (_items is not null)
        {
            try
            {
                await _items.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
            {
            }
        }

        _response?.Dispose();
        _lifetime.Dispose();
        _uplink.TrySetCanceled();
    }

    private static TransportClose ParseClose(string data)
    {
        try
        {
            using var document = JsonDocument.Parse(data);
            var code = document.RootElement.GetProperty("code").GetInt32();
            var reason = document.RootElement.TryGetProperty("reason", out var r) ? r.GetString() ?? string.Empty : string.Empty;
            return new TransportClose((ConvergeCloseCode)code, reason);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return new TransportClose(null, "The server closed the stream with an unreadable notice.");
        }
    }
}
