using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Threading.Channels;

namespace Converge.LoadBench;

/// <summary>The practical limit: a Kestrel WebSocket server that forwards every message to every socket, no protocol.</summary>
internal static class RawWebSocketFanout
{
    public static async Task<FanoutResult> RunAsync(int receivers, int messages, int rate)
    {
        var sockets = new ConcurrentDictionary<WebSocket, Channel<byte[]>>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.UseWebSockets();
        app.Map("/ws", async context =>
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var outbound = Channel.CreateBounded<byte[]>(10_000);
            sockets[socket] = outbound;
            var sending = Task.Run(async () =>
            {
                await foreach (var message in outbound.Reader.ReadAllAsync())
                {
                    await socket.SendAsync(message, WebSocketMessageType.Binary, true, default);
                }
            });
            var buffer = new byte[1024];
            while (socket.State == WebSocketState.Open)
            {
                var received = await socket.ReceiveAsync(buffer, default);
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

            sockets.TryRemove(socket, out _);
            outbound.Writer.TryComplete();
            await sending;
        });
        await app.StartAsync();
        var uri = new Uri(app.Urls.First().Replace("http", "ws", StringComparison.Ordinal) + "/ws");

        var recorder = new LatencyRecorder((long)receivers * messages);
        var clients = new List<ClientWebSocket>();
        for (var i = 0; i < receivers; i++)
        {
            var client = new ClientWebSocket();
            await client.ConnectAsync(uri, default);
            clients.Add(client);
            _ = Task.Run(async () =>
            {
                var buffer = new byte[1024];
                while (client.State == WebSocketState.Open)
                {
                    var received = await client.ReceiveAsync(buffer, default);
                    if (received.Count >= 8)
                    {
                        recorder.Delivered(BinaryPrimitives.ReadInt64LittleEndian(buffer));
                    }
                }
            });
        }

        using var sender = new ClientWebSocket();
        await sender.ConnectAsync(uri, default);
        while (sockets.Count < receivers + 1)
        {
            await Task.Delay(10);
        }

        var started = Stopwatch.GetTimestamp();
            var pacer = new SendPacer(rate);
        var payload = new byte[64];
        for (var m = 0; m < messages; m++)
        {
            await pacer.WaitTurnAsync(m);
            BinaryPrimitives.WriteInt64LittleEndian(payload, Stopwatch.GetTimestamp());
            await sender.SendAsync(payload, WebSocketMessageType.Binary, true, default);
        }

        await recorder.Done.WaitAsync(TimeSpan.FromMinutes(3));
        var elapsed = Stopwatch.GetElapsedTime(started);
        foreach (var client in clients)
        {
            client.Abort();
            client.Dispose();
        }

        return FanoutResult.From("raw Kestrel WebSocket", receivers, messages, elapsed, recorder.Latencies);
    }
}
