using System.Net.WebSockets;
using System.Text.Json;
using Converge.Client.Transports;
using Converge.IntegrationTests.Infrastructure;
using Converge.Protocol;
using Converge.Protocol.Codecs;
using Converge.Protocol.Frames;

namespace Converge.IntegrationTests.Transports;

public sealed class EncodingTests
{
    [Fact]
    public async Task A_json_client_and_a_messagepack_client__converge_on_one_document()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("c.db"));
        await using var binary = TestClients.Create(server.SyncUri, o => o.WebSocketEncoding = WebSocketEncoding.MessagePack, TransportKind.WebSocket);
        await using var text = TestClients.Create(server.SyncUri, o => o.WebSocketEncoding = WebSocketEncoding.Json, TransportKind.WebSocket);
        await Task.WhenAll(binary.StartAsync(), text.StartAsync());
        var b = await binary.OpenDocumentAsync("doc");
        var t = await text.OpenDocumentAsync("doc");
        var value = JsonDocument.Parse("""{"title":"Ünïcödé ✓","big":123456789012345678901234567890,"precise":0.1000000000000000055511151231257827,"nested":[{"x":1.5,"n":null}]}""").RootElement;
        await (await b.SetAsync("from-binary", value)).Acknowledged;
        await (await t.SetAsync("from-text", value)).Acknowledged;
        await b.UntilSequenceAsync(2);
        await t.UntilSequenceAsync(2);
        Assert.True(b.State.ContentEquals(t.State));
        Assert.True(JsonElement.DeepEquals(value, t.State["from-binary"]));
    }

    [Theory]
    [InlineData(ConvergeProtocol.MessagePackSubprotocol, WebSocketMessageType.Binary)]
    [InlineData(ConvergeProtocol.JsonSubprotocol, WebSocketMessageType.Text)]
    [InlineData(null, WebSocketMessageType.Text)]
    public async Task The_offered_subprotocol__selects_the_encoding_on_the_wire(string? offer, WebSocketMessageType expected)
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("c.db"));
        using var socket = new ClientWebSocket();
        if (offer is not null)
        {
            socket.Options.AddSubProtocol(offer);
        }

        await socket.ConnectAsync(server.SyncUri, CancellationToken.None);
        Assert.Equal(offer, socket.SubProtocol);
        IFrameCodec codec = expected == WebSocketMessageType.Binary ? MessagePackFrameCodec.Instance : JsonFrameCodec.Instance;
        var hello = new System.Buffers.ArrayBufferWriter<byte>();
        codec.Encode(new HelloFrame(ConvergeProtocol.Version, "raw"), hello);
        await socket.SendAsync(hello.WrittenMemory, expected, true, CancellationToken.None);

        var buffer = new byte[4096];
        var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal(expected, result.MessageType);
        Assert.IsType<WelcomeFrame>(codec.Decode(buffer.AsSpan(0, result.Count)));
    }
}
