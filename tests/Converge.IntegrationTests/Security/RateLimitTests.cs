using System.Net;
using System.Text;
using System.Text.Json;
using Converge.Client;
using Converge.Client.Reconnection;
using Converge.Client.Transports;
using Converge.IntegrationTests.Infrastructure;
using Converge.Protocol;
using Converge.Protocol.Frames;
using Microsoft.Extensions.Time.Testing;

namespace Converge.IntegrationTests.Security;

public sealed class RateLimitTests : IAsyncLifetime
{
    private readonly TempDirectory _temp = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private TestServer _server = null!;

    public async ValueTask InitializeAsync() =>
        _server = await TestServer.StartAsync(_temp.File("converge.db"), o =>
        {
            o.MaxFramesPerSecond = 10;
            o.FrameBurst = 20;
        }, _time);

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public async Task A_websocket_client_over_its_rate__gets_an_error_frame_with_retry_after_and_close_4429_while_others_are_unaffected()
    {
        await using var polite = TestClients.Create(_server.SyncUri, o =>
        {
            // Fake time would hold changes in the flush window until the test advances it.
            o.TimeProvider = _time;
            o.FlushWindow = TimeSpan.Zero;
        });
        await polite.StartAsync();
        var document = await polite.OpenDocumentAsync("doc");

        await using var flood = await RawSocket.ConnectAsync(_server);
        await flood.HelloAsync("flood");
        for (var i = 0; i < 40; i++)
        {
            await flood.SendAsync(new PingFrame(i));
        }

        var frames = await flood.ReceiveUntilClosedAsync();
        var error = Assert.Single(frames.OfType<ErrorFrame>());
        Assert.Equal(ErrorCodes.RateLimited, error.Code);
        Assert.True(error.RetryAfterMs > 0);
        Assert.Equal(4429, (int?)flood.CloseStatus);
        Assert.InRange(frames.OfType<PongFrame>().Count(), 18, 20);

        Assert.Equal(1, await (await document.SetAsync("k", JsonSerializer.SerializeToElement(1))).Acknowledged);
    }

    [Fact]
    public async Task An_http_uplink_over_its_rate__gets_429_with_retry_after_and_the_session_survives()
    {
        using var http = new HttpClient();
        var hello = Uri.EscapeDataString("""{"type":"hello","protocolVersion":1,"clientId":"x"}""");
        using var opened = await http.GetAsync(new Uri($"http://127.0.0.1:{_server.Port}/sync/poll?hello={hello}"));
        var session = opened.Headers.GetValues("Converge-Session").Single();
        var uplink = new Uri($"http://127.0.0.1:{_server.Port}/sync/poll/{session}");
        static StringContent Batch(int count) => new(
            "[" + string.Join(",", Enumerable.Range(0, count).Select(i => $$"""{"type":"ping","payload":{{i}}}""")) + "]", Encoding.UTF8, "application/json");

        // More frames in one request than the burst can ever hold: too large, not "later".
        var tooLarge = await http.PostAsync(uplink, Batch(30));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);

        using var fresh = await http.GetAsync(new Uri($"http://127.0.0.1:{_server.Port}/sync/poll?hello={hello}"));
        uplink = new Uri($"http://127.0.0.1:{_server.Port}/sync/poll/{fresh.Headers.GetValues("Converge-Session").Single()}");
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync(uplink, Batch(15))).StatusCode);
        var refused = await http.PostAsync(uplink, Batch(15));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal(ErrorCodes.RateLimited, JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());

        _time.Advance(refused.Headers.RetryAfter!.Delta!.Value);
        var accepted = await http.PostAsync(uplink, new StringContent("""{"type":"ping","payload":1}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
    }

    [Fact]
    public async Task A_client_closed_for_its_rate__waits_the_retry_after_then_resends_its_pending_changes()
    {
        await using var client = TestClients.Create(_server.SyncUri, o =>
        {
            o.TimeProvider = _time;
            o.FlushWindow = TimeSpan.Zero;
            o.ReconnectPolicy = new DefaultReconnectPolicy { Jitter = 0 };
        }, TransportKind.WebSocket);
        await client.StartAsync();
        var document = await client.OpenDocumentAsync("doc");
        var receipts = new List<Task<long>>();
        for (var i = 0; i < 100; i++)
        {
            receipts.Add((await document.SetAsync($"k{i}", JsonSerializer.SerializeToElement(i))).Acknowledged);
        }

        var limited = await client.UntilStatusAsync(s => s.State == ConnectionState.Reconnecting, "closed for its rate");
        Assert.Equal(FailureKind.RateLimited, limited.LastFailure?.Kind);
        Assert.Equal(limited.LastFailure!.RetryAfter, limited.RetryDelay);
        // The server's bucket refills on the same clock.
        _time.Advance(limited.RetryDelay!.Value + TimeSpan.FromSeconds(2));

        var sequences = await Task.WhenAll(receipts).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(100, sequences.Distinct().Count());
        Assert.Equal(100, document.State.Count);
    }
}

public sealed class HttpHelloBudgetTests
{
    [Fact]
    public async Task Reconnecting_over_sse_with_more_documents_than_a_url_holds__resubscribes_every_one()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"));
        await using var proxy = TestClients.ProxyTo(server);
        await using var reader = TestClients.Create(proxy.ToProxyUri(server.SyncUri), transports: TransportKind.ServerSentEvents);
        await reader.StartAsync();
        var ids = Enumerable.Range(0, 150).Select(i => $"document-with-a-rather-long-identifier-{i:000}-{new string('x', 40)}").ToArray();
        var documents = new List<Converge.Client.Documents.ConvergeDocument>();
        foreach (var id in ids)
        {
            documents.Add(await reader.OpenDocumentAsync(id));
        }

        proxy.DropConnections();
        await reader.UntilStatusAsync(s => s.State == ConnectionState.Reconnecting, "reconnecting");
        await reader.UntilStatusAsync(s => s.State == ConnectionState.Connected, "connected again");

        await using var writer = TestClients.Create(server.SyncUri);
        await writer.StartAsync();
        var last = await writer.OpenDocumentAsync(ids[^1]);
        await (await last.SetAsync("k", JsonSerializer.SerializeToElement("reached"))).Acknowledged;
        await documents[^1].UntilSequenceAsync(1);
        Assert.Equal("reached", documents[^1].State["k"].GetString());
    }
}
