using System.Globalization;
using Converge.Client.Reconnection;
using Converge.Protocol;
using Converge.Protocol.Codecs;
using Converge.Protocol.Frames;

namespace Converge.Client.Transports;

/// <summary>
/// HTTP long polling: <c>GET …/poll?hello=…</c> opens the session, then <c>GET …/poll/{session}?since=N</c> again and
/// again (N confirms the frames received, so a lost response is re-sent by the server), POST up. It works wherever
/// plain HTTP does.
/// </summary>
internal sealed class LongPollingTransport(HttpClient http, int maxResponseBytes, TimeProvider time) : ITransport
{
    private readonly Queue<Frame> _received = new();
    private readonly CancellationTokenSource _lifetime = new();
    private Uri _base = null!;
    private string? _token;
    private string? _sessionId;
    private long _cursor;
    private TransportClose? _pendingClose;

    public string Name => "longpolling";

    public TransportClose? Close { get; private set; }

    public async ValueTask ConnectAsync(Uri serverUri, HelloFrame hello, string? accessToken, CancellationToken cancellationToken)
    {
        _base = HttpTransportEndpoints.HttpBase(serverUri);
        _token = accessToken;
        try
        {
            await PollAsync(HttpTransportEndpoints.Resolve(_base, "/poll", HttpTransportEndpoints.HelloQuery(hello)), cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new ConvergeConnectionException(FailureClassifier.FromException(ex, time.GetUtcNow()), ex);
        }
    }

    public async ValueTask SendAsync(Frame frame, CancellationToken cancellationToken)
    {
        var uplink = HttpTransportEndpoints.Resolve(_base, "/poll/" + Uri.EscapeDataString(_sessionId!));
        await HttpTransportEndpoints.PostAsync(http, uplink, frame, _token, time, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<Frame?> ReceiveAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        while (true)
        {
            if (_received.TryDequeue(out var frame))
            {
                return frame;
            }

            if (Close is not null)
            {
                return null;
            }

            if (_pendingClose is not null)
            {
                Close = _pendingClose;
                return null;
            }

            try
            {
                var poll = HttpTransportEndpoints.Resolve(_base, "/poll/" + Uri.EscapeDataString(_sessionId!),
                    "since=" + _cursor.ToString(CultureInfo.InvariantCulture));
                await PollAsync(poll, linked.Token).ConfigureAwait(false);
            }
            catch (ConvergeConnectionException ex)
            {
                Close ??= new TransportClose(ex.Failure.CloseCode, ex.Message, ex.Failure);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                Close ??= new TransportClose(null, $"Polling failed: {ex.Message}");
            }
        }
    }

    public async ValueTask CloseAsync(ConvergeCloseCode code, string reason, CancellationToken cancellationToken)
    {
        Close ??= new TransportClose(code, reason);
        await _lifetime.CancelAsync().ConfigureAwait(false);
        if (_sessionId is not null)
        {
            try
            {
                // Ends the server's session now instead of when it times out.
                using var request = HttpTransportEndpoints.Request(HttpMethod.Delete, HttpTransportEndpoints.Resolve(_base, "/poll/" + Uri.EscapeDataString(_sessionId)), _token);
                using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _lifetime.Cancel();
        _lifetime.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task PollAsync(Uri uri, CancellationToken cancellationToken)
    {
        using var request = HttpTransportEndpoints.Request(HttpMethod.Get, uri, _token);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await HttpTransportEndpoints.EnsureSuccessAsync(response, time, cancellationToken).ConfigureAwait(false);
        var body = await HttpTransportEndpoints.ReadLimitedAsync(response.Content, maxResponseBytes, cancellationToken).ConfigureAwait(false);
        var frames = JsonFrameCodec.Instance.DecodeBatch(body, int.MaxValue);
        _sessionId ??= Header(response, "Converge-Session");
        if (long.TryParse(Header(response, "Converge-Cursor"), NumberStyles.None, CultureInfo.InvariantCulture, out var cursor))
        {
            // Frames at or below our cursor were re-sent after a lost response; we have them already.
            var fresh = (int)Math.Max(0, cursor - _cursor);
            foreach (var frame in frames.Skip(Math.Max(0, frames.Count - fresh)))
            {
                _received.Enqueue(frame);
            }

            _cursor = Math.Max(_cursor, cursor);
        }

        if (Header(response, "Converge-Close-Code") is { } code && int.TryParse(code, NumberStyles.None, CultureInfo.InvariantCulture, out var closeCode))
        {
            _pendingClose = new TransportClose((ConvergeCloseCode)closeCode, Uri.UnescapeDataString(Header(response, "Converge-Close-Reason") ?? string.Empty));
        }

        if (_sessionId is null)
        {
            throw new ProtocolException(ErrorCodes.MalformedFrame, "The long-polling response did not name its session.");
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
