using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Threading.Channels;

namespace Converge.BenchServer;

/// <summary>
/// The practical limit: a Kestrel WebSocket endpoint that forwards every message it receives to every socket, as the
/// same bytes (no protocol, no encoding, no storage). Each socket has a bounded queue drained by its own send loop;
/// a message that finds a queue full is dropped for that socket (the load generator counts what arrives). An idle
/// socket holds no buffer and no keep-alive timer, so its memory is Kestrel's WebSocket floor.
/// </summary>
internal static class RawBroadcast
{
    private const int QueueCapacity = 10_000;

    public static void Map(WebApplication app, string path)
    {
        var sockets = new ConcurrentDictionary<WebSocket, Channel<byte[]>>();
        app.Map(path, async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = 426;
                return;
            }

            // No WebSocket keep-alive timer (Converge turns it off too: its heartbeats are frames of its own).
            using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.Zero });
            var outbound = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(QueueCapacity) { SingleReader = true });
            sockets[socket] = outbound;
            var sending = SendLoopAsync(socket, outbound.Reader);
            try
            {
                while (socket.State == WebSocketState.Open)
                {
                    // Waits with no buffer and rents one only while a message arrives (as Kestrel, SignalR and Converge
                    // do): an idle socket then costs what Kestrel's WebSocket itself costs, the floor that the memory
                    // comparison needs.
                    if ((await socket.ReceiveAsync(Memory<byte>.Empty, context.RequestAborted)).MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }

                    var buffer = ArrayPool<byte>.Shared.Rent(4096);
                    try
                    {
                        var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
                        if (received.MessageType == WebSocketMessageType.Close)
                        {
                            break;
                        }

                        var copy = buffer[..received.Count];
                        foreach (var channel in sockets.Values)
                        {
                            channel.Writer.TryWrite(copy);
                        }
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                    }
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
            {
            }
            finally
            {
                sockets.TryRemove(socket, out _);
                outbound.Writer.TryComplete();
                await sending;
            }
        });
    }

    private static async Task SendLoopAsync(WebSocket socket, ChannelReader<byte[]> outbound)
    {
        try
        {
            await foreach (var message in outbound.ReadAllAsync())
            {
                await socket.SendAsync(message, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
        }
    }
}
