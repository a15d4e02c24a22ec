using System.Text.Json;
using Converge.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Converge.IntegrationTests.Browser;

/// <summary>The SSE endpoint with a real browser's EventSource, in Debian's Chromium.</summary>
public sealed class EventSourceTests
{
    [Fact]
    public async Task Chromiums_native_event_source__streams_frames_and_resumes_with_last_event_id_after_a_cut()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"),
            configureApp: app => app.MapGet("/", () => Results.Content("<!doctype html><title>Converge SSE</title><body>waiting</body>", "text/html")));
        await using var proxy = TestClients.ProxyTo(server);
        await using var writer = TestClients.Create(server.SyncUri);
        await writer.StartAsync();
        var document = await writer.OpenDocumentAsync("doc");
        for (var i = 1; i <= 5; i++)
        {
            await (await document.SetAsync($"k{i}", JsonSerializer.SerializeToElement(i))).Acknowledged;
        }

        var origin = $"http://127.0.0.1:{proxy.Port}";
        await using var browser = BrowserProcess.Start("eventsource-resume.mjs", origin, "doc", "10", BrowserProcess.ArtifactPath("eventsource-resume.png"));
        Assert.Equal("READY 5", await browser.ReadLineAsync(TimeSpan.FromSeconds(60)));

        // Cut the stream; while the browser waits out its retry delay, five more changes land.
        proxy.DropConnections();
        for (var i = 6; i <= 10; i++)
        {
            await (await document.SetAsync($"k{i}", JsonSerializer.SerializeToElement(i))).Acknowledged;
        }

        using var seen = JsonDocument.Parse(await browser.ReadLineAsync(TimeSpan.FromSeconds(60)));
        var root = seen.RootElement;
        var sequences = root.GetProperty("sequences").EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Number).Select(e => e.GetInt64()).ToArray();
        var frames = root.GetProperty("frames").EnumerateArray().Select(e => e.GetString()).ToArray();

        Assert.Equal([6L, 7L, 8L, 9L, 10L], sequences);
        Assert.Equal(1, frames.Count(f => f == "snapshot")); // resumed by replay, not by a second snapshot
        Assert.True(root.GetProperty("opens").GetInt32() >= 2, "the browser did not reconnect");
        Assert.EndsWith("doc=10", root.GetProperty("lastEventIds").EnumerateArray().Last().GetString(), StringComparison.Ordinal);
        Assert.Contains(server.Logs.Lines, l => l.EventId.Name == "SseResuming");
    }
}
