using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Threading.Channels;
using Converge.Bench;

namespace Converge.BenchServer;

/// <summary>
/// The durable practical limit over the network: a Kestrel WebSocket endpoint where each binary message is
/// [8-byte client sequence][row bytes]; one writer loop commits whatever is queued as one SQLite transaction
/// (WAL, synchronous=FULL, the server store's schema: <see cref="RawStore"/>), then answers each message with its
/// 8-byte sequence. No protocol, no document state, no fan-out.
/// </summary>
internal static class RawDurable
{
    private const int MaxRowsPerCommit = 512; // ConvergeServerOptions.MaxChangesPerCommit's default

    private sealed record Row(string ClientId, long ClientSeq, byte[] Operations, ChannelWriter<long> Acks);

    public static void Map(WebApplication app, string path, string databasePath)
    {
        var queue = Channel.CreateUnbounded<Row>(new UnboundedChannelOptions { SingleReader = true });
        var store = RawStore.OpenAsync(databasePath).GetAwaiter().GetResult();
        long sequence = 0;
        _ = Task.Run(async () =>
        {
            var batch = new List<Row>();
            while (await queue.Reader.WaitToReadAsync())
            {
                while (batch.Count < MaxRowsPerCommit && queue.Reader.TryRead(out var row))
                {
                    batch.Add(row);
                }

                await store.AppendAsync(batch.Select(r => (++sequence, r.ClientId, r.ClientSeq, r.Operations)).ToList());
                foreach (var row in batch)
                {
                    row.Acks.TryWrite(row.ClientSeq);
                }

                batch.Clear();
            }
        });

        var connections = 0;
        app.Map(path, async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = 426;
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var clientId = $"raw-writer-{Interlocked.Increment(ref connections)}";
            var acks = Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleReader = true });
            var sending = Task.Run(async () =>
            {
                var ack = new byte[8];
                try
                {
                    await foreach (var seq in acks.Reader.ReadAllAsync())
                    {
                        BinaryPrimitives.WriteInt64LittleEndian(ack, seq);
                        await socket.SendAsync(ack, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
                    }
                }
                catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException)
                {
                }
            });
            var buffer = new byte[64 * 1024];
            try
            {
                while (socket.State == WebSocketState.Open)
                {
                    var length = 0;
                    ValueWebSocketReceiveResult received;
                    do
                    {
                        received = await socket.ReceiveAsync(buffer.AsMemory(length), context.RequestAborted);
                        length += received.Count;
                    }
                    while (!received.EndOfMessage);

                    if (received.MessageType == WebSocketMessageType.Close || length < 8)
                    {
                        break;
                    }

                    queue.Writer.TryWrite(new Row(clientId, BinaryPrimitives.ReadInt64LittleEndian(buffer), buffer[8..length], acks.Writer));
                }
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException)
            {
            }
            finally
            {
                acks.Writer.TryComplete();
                await sending;
            }
        });
    }
}
