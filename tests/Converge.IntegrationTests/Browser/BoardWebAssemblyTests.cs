using System.Net;
using System.Text.Json;
using Converge.IntegrationTests.Infrastructure;
using Converge.Testing.Faults;

namespace Converge.IntegrationTests.Browser;

/// <summary>Converge.Client inside Blazor WebAssembly, in Chromium: ClientWebSocket in the browser, SSE when WebSocket is blocked, long polling when both are.</summary>
[Collection(BrowserLatencyCollection.Name)]
public sealed class BoardWebAssemblyTests
{
    [Fact]
    public async Task Two_browser_contexts_on_the_board__see_each_others_edits_over_websocket_within_a_second()
    {
        using var temp = new TempDirectory();
        await using var host = await BoardHost.StartAsync(temp.File("board.db"));
        await using var browser = BrowserProcess.Start(host, "board-sync.mjs", host.Address.ToString().TrimEnd('/'), BrowserProcess.ArtifactPath("board-websocket"));

        var line = await browser.ReadLineAsync(TimeSpan.FromSeconds(150));
        Console.WriteLine($"board sync: {line}");
        using var result = JsonDocument.Parse(line);
        var root = result.RootElement;
        Assert.Equal("websocket", root.GetProperty("transportA").GetString());
        Assert.Equal("websocket", root.GetProperty("transportB").GetString());
        Assert.InRange(root.GetProperty("latencyMs").GetInt64(), 0, 1000);
    }

    [Fact]
    public async Task With_websocket_blocked_by_a_proxy__the_board_in_the_browser_falls_back_to_sse()
    {
        using var temp = new TempDirectory();
        await using var host = await BoardHost.StartAsync(temp.File("board.db"));
        await using var proxy = FaultProxy.Start(new IPEndPoint(IPAddress.Loopback, host.Port));
        proxy.BlockWebSocketUpgrades(403);
        await using var browser = BrowserProcess.Start(host, "board-sync.mjs", $"http://127.0.0.1:{proxy.Port}", BrowserProcess.ArtifactPath("board-sse"));

        var line = await browser.ReadLineAsync(TimeSpan.FromSeconds(150));
        Console.WriteLine($"board sync: {line}");
        using var result = JsonDocument.Parse(line);
        var root = result.RootElement;
        Assert.Equal("sse", root.GetProperty("transportA").GetString());
        Assert.Equal("sse", root.GetProperty("transportB").GetString());
        Assert.InRange(root.GetProperty("latencyMs").GetInt64(), 0, 1000);
    }

    [Fact]
    public async Task With_websocket_and_event_streams_refused_by_a_proxy__the_board_in_the_browser_falls_back_to_long_polling()
    {
        using var temp = new TempDirectory();
        await using var host = await BoardHost.StartAsync(temp.File("board.db"));
        await using var proxy = FaultProxy.Start(new IPEndPoint(IPAddress.Loopback, host.Port));
        proxy.BlockWebSocketUpgrades(403);
        proxy.BlockRequests("/sync/sse", 502);
        await using var browser = BrowserProcess.Start(host, "board-sync.mjs", $"http://127.0.0.1:{proxy.Port}", BrowserProcess.ArtifactPath("board-longpolling"));

        var line = await browser.ReadLineAsync(TimeSpan.FromSeconds(150));
        Console.WriteLine($"board sync: {line}");
        using var result = JsonDocument.Parse(line);
        var root = result.RootElement;
        Assert.Equal("longpolling", root.GetProperty("transportA").GetString());
        Assert.Equal("longpolling", root.GetProperty("transportB").GetString());
        Assert.InRange(root.GetProperty("latencyMs").GetInt64(), 0, 1000);
    }

    [Fact]
    public async Task With_websocket_refused_and_event_streams_hanging_in_a_proxy__the_board_in_the_browser_gives_up_on_sse_after_the_handshake_timeout_and_long_polls()
    {
        using var temp = new TempDirectory();
        await using var host = await BoardHost.StartAsync(temp.File("board.db"));
        await using var proxy = FaultProxy.Start(new IPEndPoint(IPAddress.Loopback, host.Port));
        proxy.BlockWebSocketUpgrades(403);
        proxy.SwallowRequests("/sync/sse");
        await using var browser = BrowserProcess.Start(host, "board-sync.mjs", $"http://127.0.0.1:{proxy.Port}", BrowserProcess.ArtifactPath("board-sse-hanging"));

        var line = await browser.ReadLineAsync(TimeSpan.FromSeconds(150));
        Console.WriteLine($"board sync: {line}");
        using var result = JsonDocument.Parse(line);
        var root = result.RootElement;
        Assert.Equal("longpolling", root.GetProperty("transportA").GetString());
        Assert.Equal("longpolling", root.GetProperty("transportB").GetString());
    }
}
