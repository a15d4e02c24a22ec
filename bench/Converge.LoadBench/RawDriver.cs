using System.Buffers.Binary;
using System.Net.WebSockets;

namespace Converge.LoadBench;

/// <summary>Clients of the raw broadcast server: plain <see cref="ClientWebSocket"/>s; a message is 64 bytes whose first 8 are the stamp.</summary>
internal sealed class RawDriver(int port) : ISystemDriver
{
    private readonly Uri _uri = new($"ws://127.0.0.1:{port}/ws");
    private readonly List<ClientWebSocket> _sockets = [];
    private readonly byte[] _payload = new byte[64];
    private ClientWebSocket? _sender;

    public string Name => "raw Kestrel WebSocket";

    public DeliveryRecorder? Recorder { get; set; }

    public async Task ConnectSenderAsync()
    {
        // The server broadcasts to every socket, the sender's included: it drains them without counting.
        _sender = await ConnectAsync(count: false);
    }

    public async Task ConnectReceiversAsync(int count) =>
        _sockets.AddRange(await Connecting.ManyAsync(count, _ => ConnectAsync(count: true)));

    public ValueTask SendAsync(long stamp)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_payload, stamp);
        return _sender!.SendAsync(_payload.AsMemory(), WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
    }

    public ValueTask DisposeAsync()
    {
        foreach (var socket in _sockets.Append(_sender))
        {
            socket?.Abort();
            socket?.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private async Task<ClientWebSocket> ConnectAsync(bool count)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await socket.ConnectAsync(_uri, CancellationToken.None);
        _ = Task.Run(async () =>
        {
            var buffer = new byte[1024];
            try
            {
                while (socket.State == WebSocketState.Open)
                {
                    var received = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                    if (count && received.EndOfMessage && received.Count >= 8)
                    {
                        Recorder?.Record(BinaryPrimitives.ReadInt64LittleEndian(buffer));
                    }
                }
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
            {
            }
        });
        return socket;
    }
}
