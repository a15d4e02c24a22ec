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
        var result = await SyncAsync("board-websocket", faults: null);

        AssertBothOn("websocket", result);
        Assert.InRange(result.GetProperty("latencyMs").GetInt64(), 0, 1000);
    }

    [Fact]
    public async Task With_websocket_blocked_by_a_proxy__the_board_in_the_browser_falls_back_to_sse()
    {
        var result = await SyncAsync("board-sse", proxy => proxy.BlockWebSocketUpgrades(403));

        AssertBothOn("sse", result);
        Assert.InRange(result.GetProperty("latencyMs").GetInt64(), 0, 1000);
    }

    [Fact]
    public async Task With_websocket_and_event_streams_refused_by_a_proxy__the_board_in_the_browser_falls_back_to_long_polling()
    {
        var result = await SyncAsync("board-longpolling", proxy =>
        {
            proxy.BlockWebSocketUpgrades(403);
            proxy.BlockRequests("/sync/sse", 502);
        });

        AssertBothOn("longpolling", result);
        Assert.InRange(result.GetProperty("latencyMs").GetInt64(), 0, 1000);
    }

    [Fact]
    public async Task With_websocket_refused_and_event_streams_hanging_in_a_proxy__the_board_in_the_browser_gives_up_on_sse_after_the_handshake_timeout_and_long_polls()
    {
        var result = await SyncAsync("board-sse-hanging", proxy =>
        {
            proxy.BlockWebSocketUpgrades(403);
            proxy.SwallowRequests("/sync/sse");
        });

        AssertBothOn("longpolling", result);
    }

    private static void AssertBothOn(string transport, JsonElement result)
    {
        Assert.Equal(transport, result.GetProperty("transportA").GetString());
        Assert.Equal(transport, result.GetProperty("transportB").GetString());
    }

    // Runs board-sync.mjs against a fresh board host, through a fault proxy set up by `faults` (directly without one).
    private static async Task<JsonElement> SyncAsync(string artifact, Action<FaultProxy>? faults)
    {
        using var temp = new TempDirectory();
        await using var host = await BoardHost.StartAsync(temp.File("board.db"));
        await using var proxy = faults is null ? null : FaultProxy.Start(new IPEndPoint(IPAddress.Loopback, host.Port));
        if (proxy is not null)
        {
            faults!(proxy);
        }

        var origin = proxy is null ? host.Address.ToString().TrimEnd('/') : $"http://127.0.0.1:{proxy.Port}";
        await using var browser = BrowserProcess.Start(host, "board-sync.mjs", origin, BrowserProcess.ArtifactPath(artifact));
        var line = await browser.ReadLineAsync(TimeSpan.FromSeconds(150));
        Console.WriteLine($"board sync: {line}");
        using var result = JsonDocument.Parse(line);
        return result.RootElement.Clone();
    }
}
