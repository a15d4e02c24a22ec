using System.Net.WebSockets;
using System.Text.Json;
using Converge.IntegrationTests.Infrastructure;
using Converge.Protocol;
using Converge.Protocol.Codecs;
using Converge.Protocol.Frames;

namespace Converge.IntegrationTests.Transports;

public sealed class LaggingReceiverTests
{
    [Fact]
    public async Task A_receiver_that_falls_behind__gets_the_backlog_in_fewer_larger_frames_with_every_change_once_and_in_order()
    {
        const int Changes = 600;
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"), static o =>
        {
            o.MaxFramesPerSecond = 0;
            // 600 frames of 32 KiB (19 MiB) are more than the loopback socket buffers hold while the receiver does not
            // read, so they queue in its session.
            o.MaxChangesPerCommit = 1;
        });
        using var receiver = new ClientWebSocket();
        receiver.Options.AddSubProtocol(ConvergeProtocol.MessagePackSubprotocol);
        await receiver.ConnectAsync(server.SyncUri, CancellationToken.None);
        await SendAsync(receiver, new HelloFrame(ConvergeProtocol.Version, "lagging"));
        Assert.IsType<WelcomeFrame>(await ReceiveAsync(receiver));
        await SendAsync(receiver, new SubscribeFrame("doc"));
        while (await ReceiveAsync(receiver) is not SubscribedFrame)
        {
        }

        await using var writer = TestClients.Create(server.SyncUri);
        await writer.StartAsync();
        var document = await writer.OpenDocumentAsync("doc");
        var payload = JsonSerializer.SerializeToElement(new string('x', 32 * 1024));
        // One at a time, so each change is a push, a commit group and a fanned-out frame of its own.
        for (var i = 0; i < Changes; i++)
        {
            await (await document.SetAsync($"k{i % 50}", payload)).Acknowledged.WaitAsync(TimeSpan.FromSeconds(30));
        }

        var sequences = new List<long>();
        var frames = 0;
        while (sequences.Count < Changes)
        {
            var changes = Assert.IsType<ChangesFrame>(await ReceiveAsync(receiver).WaitAsync(TimeSpan.FromSeconds(30)));
            frames++;
            sequences.AddRange(changes.Changes.Select(static c => c.Sequence));
        }

        Assert.Equal(Enumerable.Range(1, Changes).Select(static s => (long)s), sequences);
        Assert.True(frames < Changes / 2, $"{frames} frames for {Changes} changes");
    }

    private static async Task SendAsync(ClientWebSocket socket, Frame frame)
    {
        var bytes = new System.Buffers.ArrayBufferWriter<byte>();
        MessagePackFrameCodec.Instance.Encode(frame, bytes);
        await socket.SendAsync(bytes.WrittenMemory, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
    }

    private static async Task<Frame> ReceiveAsync(ClientWebSocket socket)
    {
        var message = new MemoryStream();
        var buffer = new byte[64 * 1024];
        ValueWebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);

        return MessagePackFrameCodec.Instance.Decode(message.ToArray());
    }
}
