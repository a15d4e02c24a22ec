using System.Net.WebSockets;
using Converge.IntegrationTests.Infrastructure;

namespace Converge.IntegrationTests.Transports;

public sealed class CompressionTests
{
    private static async Task<string?> NegotiatedExtensionsAsync(TestServer server)
    {
        using var socket = new ClientWebSocket();
        socket.Options.DangerousDeflateOptions = new WebSocketDeflateOptions();
        socket.Options.CollectHttpResponseDetails = true;
        await socket.ConnectAsync(server.SyncUri, CancellationToken.None);
        var extensions = socket.HttpResponseHeaders?.TryGetValue("Sec-WebSocket-Extensions", out var values) == true ? string.Join(",", values) : null;
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        return extensions;
    }

    [Fact]
    public async Task Permessage_deflate__is_negotiated_when_both_sides_allow_it()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("c.db"));
        Assert.Contains("permessage-deflate", await NegotiatedExtensionsAsync(server) ?? string.Empty, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Permessage_deflate__is_not_negotiated_when_the_server_disables_it()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("c.db"), o => o.EnableCompression = false);
        Assert.DoesNotContain("permessage-deflate", await NegotiatedExtensionsAsync(server) ?? string.Empty, StringComparison.Ordinal);
    }
}
