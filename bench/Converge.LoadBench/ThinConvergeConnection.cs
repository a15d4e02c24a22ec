using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using Converge.Model.Documents;
using Converge.Protocol;
using Converge.Protocol.Codecs;
using Converge.Protocol.Frames;

namespace Converge.LoadBench;

/// <summary>
/// A protocol-level Converge client: one WebSocket speaking <c>converge.v1.msgpack</c> with the real codec
/// (<see cref="MessagePackFrameCodec"/>), hello with one subscription, push frames out, every frame in decoded.
/// It has none of <c>ConvergeClient</c>'s document state, so 1,000 of them fit in the load process; the server
/// cannot tell it from the real client. No permessage-deflate (raw and SignalR clients do not compress either).
/// </summary>
internal sealed class ThinConvergeConnection : IAsyncDisposable
{
    private static readonly IFrameCodec Codec = MessagePackFrameCodec.Instance;

    private readonly ClientWebSocket _socket = new();
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ArrayBufferWriter<byte> _out = new(256);
    private readonly string _documentId;
    private long _clientSeq;

    private ThinConvergeConnection(string clientId, string documentId)
    {
        ClientId = clientId;
        _documentId = documentId;
    }

    public string ClientId { get; }

    /// <summary>Called with every change of a <c>changes</c> frame, on the receive loop.</summary>
    public Action<ServerChange>? OnChange { get; set; }

    /// <summary>Called with every <c>ack</c>, on the receive loop.</summary>
    public Action<AckFrame>? OnAck { get; set; }

    /// <summary>
    /// Skip decoding <c>changes</c> frames (after reading the frame type): for writers that only wait for their acks,
    /// so that the load generator, on the same two cores as the server, spends no CPU on other writers' changes.
    /// </summary>
    public bool SkipChanges { get; set; }

    /// <summary>How the server ended the session, if it did (e.g. 4503 for a slow consumer).</summary>
    public WebSocketCloseStatus? CloseStatus { get; private set; }

    public static async Task<ThinConvergeConnection> ConnectAsync(Uri uri, string clientId, string documentId)
    {
        var connection = new ThinConvergeConnection(clientId, documentId);
        connection._socket.Options.AddSubProtocol(ConvergeProtocol.MessagePackSubprotocol);
        connection._socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await connection._socket.ConnectAsync(uri, CancellationToken.None);
        _ = Task.Run(connection.ReceiveLoopAsync);
        await connection.SendFrameAsync(new HelloFrame(ConvergeProtocol.Version, clientId, Subscriptions: [new Subscription(documentId)]));
        await connection._subscribed.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return connection;
    }

    /// <summary>Pushes one change setting <paramref name="key"/>; returns its client sequence.</summary>
    public async ValueTask<long> PushAsync(string key, JsonElement value)
    {
        var seq = ++_clientSeq;
        await SendFrameAsync(new PushFrame(_documentId, [new ClientChange(ClientId, seq, [new SetValue(key, value)])]));
        return seq;
    }

    public ValueTask DisposeAsync()
    {
        _socket.Abort();
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    // MessagePackFrameCodec writes a frame as an array whose first element is its type code (10 = changes).
    private const int ChangesFrameCode = 10;

    private static int FrameCode(ReadOnlyMemory<byte> message)
    {
        var reader = new MessagePack.MessagePackReader(message);
        reader.ReadArrayHeader();
        return reader.ReadInt32();
    }

    private ValueTask SendFrameAsync(Frame frame)
    {
        _out.ResetWrittenCount();
        Codec.Encode(frame, _out);
        return _socket.SendAsync(_out.WrittenMemory, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == buffer.Length)
                    {
                        Array.Resize(ref buffer, buffer.Length * 2);
                    }

                    result = await _socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                    length += result.Count;
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    CloseStatus = _socket.CloseStatus;
                    _subscribed.TrySetException(new InvalidOperationException($"Closed: {_socket.CloseStatus} {_socket.CloseStatusDescription}"));
                    return;
                }

                if (SkipChanges && FrameCode(buffer.AsMemory(0, length)) == ChangesFrameCode)
                {
                    continue;
                }

                switch (Codec.Decode(buffer.AsSpan(0, length)))
                {
                    case ChangesFrame changes:
                        foreach (var change in changes.Changes)
                        {
                            OnChange?.Invoke(change);
                        }

                        break;
                    case AckFrame ack:
                        OnAck?.Invoke(ack);
                        break;
                    case SubscribedFrame:
                        _subscribed.TrySetResult();
                        break;
                    case ErrorFrame error:
                        Console.Error.WriteLine($"[converge client {ClientId}] error {error.Code}: {error.Message}");
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            _subscribed.TrySetException(ex);
        }
    }
}
