using System.Net.WebSockets;
using System.Text;
using Converge.Protocol.Codecs;
using Converge.Protocol.Frames;

namespace Converge.IntegrationTests.Infrastructure;

/// <summary>A bare WebSocket for speaking (and breaking) the protocol by hand.</summary>
internal sealed class RawSocket : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly ClientWebSocket _socket = new();

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public string? CloseDescription => _socket.CloseStatusDescription;

    public static async Task<RawSocket> ConnectAsync(TestServer server, string? token = null)
    {
        var raw = new RawSocket();
        if (token is not null)
        {
            raw._socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        }

        await raw._socket.ConnectAsync(server.SyncUri, CancellationToken.None).WaitAsync(Timeout);
        return raw;
    }

    public Task SendTextAsync(string text) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None).WaitAsync(Timeout);

    public Task SendBytesAsync(byte[] bytes, WebSocketMessageType type) =>
        _socket.SendAsync(bytes, type, true, CancellationToken.None).WaitAsync(Timeout);

    public Task SendAsync(Frame frame) => SendTextAsync(Encoding.UTF8.GetString(JsonFrameCodec.Instance.Encode(frame)));

    public Task HelloAsync(string clientId = "raw") => SendAsync(new HelloFrame(Converge.Protocol.ConvergeProtocol.Version, clientId));

    /// <summary>The next frame, or null when the server closed (then see <see cref="CloseStatus"/>).</summary>
    public async Task<Frame?> ReceiveAsync()
    {
        var buffer = new byte[1 << 20];
        var length = 0;
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None).AsTask().WaitAsync(Timeout);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                return null;
            }

            length += result.Count;
            if (result.EndOfMessage)
            {
                return JsonFrameCodec.Instance.Decode(buffer.AsSpan(0, length));
            }
        }
    }

    public async Task<T> ReceiveAsync<T>() where T : Frame
    {
        var frame = await ReceiveAsync();
        return frame as T ?? throw new Xunit.Sdk.XunitException($"Expected {typeof(T).Name}, got {frame?.GetType().Name ?? $"close {CloseStatus}"}.");
    }

    /// <summary>Reads frames until the server closes; returns them.</summary>
    public async Task<List<Frame>> ReceiveUntilClosedAsync()
    {
        var frames = new List<Frame>();
        while (await ReceiveAsync() is { } frame)
        {
            frames.Add(frame);
        }

        return frames;
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
