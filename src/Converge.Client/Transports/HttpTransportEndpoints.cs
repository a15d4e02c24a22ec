using System.Net.Http.Headers;
using Converge.Client.Reconnection;
using Converge.Protocol.Codecs;
using Converge.Protocol.Frames;

namespace Converge.Client.Transports;

/// <summary>
/// What the two HTTP transports share: the URLs under the sync endpoint (<c>/sse</c>, <c>/poll</c>), how the hello
/// travels in the first request, the POST uplink, and how a refused request becomes a classified failure.
/// </summary>
internal static class HttpTransportEndpoints
{
    public static Uri HttpBase(Uri serverUri) => serverUri.Scheme switch
    {
        "ws" => new UriBuilder(serverUri) { Scheme = "http" }.Uri,
        "wss" => new UriBuilder(serverUri) { Scheme = "https" }.Uri,
        _ => serverUri,
    };

    public static Uri Resolve(Uri httpBase, string path, string? query = null)
    {
        var builder = new UriBuilder(httpBase);
        builder.Path = builder.Path.TrimEnd('/') + path;
        builder.Query = query ?? string.Empty;
        return builder.Uri;
    }

    public static string HelloQuery(HelloFrame hello) =>
        "hello=" + Uri.EscapeDataString(System.Text.Encoding.UTF8.GetString(JsonFrameCodec.Instance.Encode(hello)));

    public static HttpRequestMessage Request(HttpMethod method, Uri uri, string? accessToken)
    {
        var request = new HttpRequestMessage(method, uri);
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        if (OperatingSystem.IsBrowser())
        {
            // Without this the browser's fetch buffers the whole response: an event stream would never arrive.
            request.Options.Set(new HttpRequestOptionsKey<bool>("WebAssemblyEnableStreamingResponse"), true);
        }

        return request;
    }

    /// <summary>Throws a classified failure for a non-success response.</summary>
    public static async Task EnsureSuccessAsync(HttpResponseMessage response, TimeProvider time, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        string? detail = null;
        try
        {
            detail = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            detail = detail.Length > 300 ? detail[..300] : detail;
        }
        catch (HttpRequestException)
        {
        }

        throw new ConvergeConnectionException(FailureClassifier.FromHttpStatus((int)response.StatusCode, response.Headers, time.GetUtcNow(), detail));
    }

    /// <summary>POSTs one frame to the session's uplink.</summary>
    public static async Task PostAsync(HttpClient http, Uri uplink, Frame frame, string? accessToken, TimeProvider time, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Post, uplink, accessToken);
        request.Content = new ByteArrayContent(JsonFrameCodec.Instance.Encode(frame));
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, time, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<byte[]> ReadLimitedAsync(HttpContent content, int maxBytes, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    throw new Protocol.ProtocolException(Protocol.ErrorCodes.FrameTooLarge, $"The server sent a response over {maxBytes} bytes.");
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
    }
}
