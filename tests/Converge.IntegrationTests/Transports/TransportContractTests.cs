using System.Net;
using System.Text;
using System.Text.Json;
using Converge.Client;
using Converge.Client.Transports;
using Converge.IntegrationTests.Infrastructure;
using Converge.Protocol;

namespace Converge.IntegrationTests.Transports;

/// <summary>The same guarantees over every transport (the Channels "contract suite" idea).</summary>
public sealed class TransportContractTests
{
    public static TheoryData<TransportKind> Kinds() => new(TransportKind.WebSocket, TransportKind.ServerSentEvents, TransportKind.LongPolling);

    private static JsonElement Json(object value) => JsonSerializer.SerializeToElement(value);

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Clients_on_one_transport__converge_and_resume_from_their_cursor_exactly_once(TransportKind kind)
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"));
        await using var alice = TestClients.Create(server.SyncUri, transports: kind);
        await using var bob = TestClients.Create(server.SyncUri, transports: kind);
        await Task.WhenAll(alice.StartAsync(), bob.StartAsync());
        Assert.Equal(kind switch { TransportKind.WebSocket => "websocket", TransportKind.ServerSentEvents => "sse", _ => "longpolling" }, alice.TransportName);
        var a = await alice.OpenDocumentAsync("doc");
        var b = await bob.OpenDocumentAsync("doc");

        var acks = new List<Task<long>>();
        for (var i = 0; i < 20; i++)
        {
            acks.Add((await a.SetAsync($"a{i % 3}", Json(i))).Acknowledged);
            acks.Add((await b.SetAsync($"b{i % 3}", Json(i))).Acknowledged);
        }

        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), (await Task.WhenAll(acks)).Order());
        await a.UntilSequenceAsync(40);
        await b.UntilSequenceAsync(40);
        Assert.True(a.State.ContentEquals(b.State));

        await bob.StopAsync();
        for (var i = 0; i < 5; i++)
        {
            await (await a.SetAsync("late", Json(i))).Acknowledged;
        }

        var sequences = new List<long>();
        b.Changed += (_, e) => sequences.Add(e.Sequence);
        await bob.StartAsync();
        await b.UntilSequenceAsync(45);
        Assert.True(b.State.ContentEquals(a.State));
        Assert.Equal(4, b.State["late"].GetInt32());
        Assert.Equal(sequences.Order(), sequences);
        Assert.DoesNotContain(sequences, s => s > 45);
    }

    [Theory]
    [InlineData("sse")]
    [InlineData("poll")]
    public async Task A_bad_frame_on_the_http_uplink__gets_400_with_the_error_code_and_ends_the_session(string path)
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"));
        using var http = new HttpClient();
        var hello = Uri.EscapeDataString("""{"type":"hello","protocolVersion":1,"clientId":"raw"}""");
        var baseUri = $"http://127.0.0.1:{server.Port}/sync/{path}";
        string sessionId;
        HttpResponseMessage? stream = null;
        if (path == "poll")
        {
            var opened = await http.GetAsync(new Uri($"{baseUri}?hello={hello}"));
            sessionId = opened.Headers.GetValues("Converge-Session").Single();
        }
        else
        {
            stream = await http.GetAsync(new Uri($"{baseUri}?hello={hello}"), HttpCompletionOption.ResponseHeadersRead);
            using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
            string? line;
            while ((line = await reader.ReadLineAsync()) is not null && !line.StartsWith("data: ", StringComparison.Ordinal))
            {
            }

            sessionId = JsonDocument.Parse(line![6..]).RootElement.GetProperty("sessionId").GetString()!;
        }

        var response = await http.PostAsync(new Uri($"{baseUri}/{sessionId}"), new StringContent("{not json", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(ErrorCodes.MalformedFrame, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());

        var again = await http.PostAsync(new Uri($"{baseUri}/{sessionId}"), new StringContent("""{"type":"ping"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        stream?.Dispose();
    }

    [Theory]
    [InlineData("/sync/sse")]
    [InlineData("/sync/poll")]
    public async Task An_http_session_without_a_valid_hello__is_refused_with_400(string path)
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"));
        using var http = new HttpClient();
        foreach (var query in new[] { "", "?hello=nope", "?hello=" + Uri.EscapeDataString("""{"type":"ping"}""") })
        {
            var response = await http.GetAsync(new Uri($"http://127.0.0.1:{server.Port}{path}{query}"));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        var version = await http.GetAsync(new Uri($"http://127.0.0.1:{server.Port}{path}?hello=" + Uri.EscapeDataString("""{"type":"hello","protocolVersion":9,"clientId":"x"}""")));
        Assert.Equal(ErrorCodes.UnsupportedVersion, JsonDocument.Parse(await version.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_lost_long_poll_response__is_sent_again_on_the_next_poll()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"));
        using var http = new HttpClient();
        var hello = Uri.EscapeDataString("""{"type":"hello","protocolVersion":1,"clientId":"raw","subscriptions":[{"documentId":"doc","since":0}]}""");
        var opened = await http.GetAsync(new Uri($"http://127.0.0.1:{server.Port}/sync/poll?hello={hello}"));
        var session = opened.Headers.GetValues("Converge-Session").Single();
        var cursor = long.Parse(opened.Headers.GetValues("Converge-Cursor").Single());
        var first = Converge.Protocol.Codecs.JsonFrameCodec.Instance.DecodeBatch(await opened.Content.ReadAsByteArrayAsync());
        Assert.Equal(cursor, first.Count);
        Assert.IsType<Converge.Protocol.Frames.WelcomeFrame>(first[0]);

        // Pretend that response was lost: polling from 0 again returns the same frames first (and maybe newer ones).
        var again = await http.GetAsync(new Uri($"http://127.0.0.1:{server.Port}/sync/poll/{session}?since=0"));
        var repeated = Converge.Protocol.Codecs.JsonFrameCodec.Instance.DecodeBatch(await again.Content.ReadAsByteArrayAsync());
        // Compared as encoded JSON: frame records hold their lists by reference.
        static string Json(Converge.Protocol.Frames.Frame frame) => System.Text.Encoding.UTF8.GetString(Converge.Protocol.Codecs.JsonFrameCodec.Instance.Encode(frame));
        Assert.Equal(first.Select(Json), repeated.Take(first.Count).Select(Json));

        var gone = await http.GetAsync(new Uri($"http://127.0.0.1:{server.Port}/sync/poll/{session}?since=99"));
        Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
        var ended = await http.DeleteAsync(new Uri($"http://127.0.0.1:{server.Port}/sync/poll/{session}"));
        Assert.Equal(HttpStatusCode.NoContent, ended.StatusCode);
        await server.UntilActiveSessionsAsync(0);
    }
}

public sealed class HttpUplinkFailureTests
{
    [Theory]
    [InlineData(Converge.Client.Transports.TransportKind.ServerSentEvents, "/sync/sse/")]
    [InlineData(Converge.Client.Transports.TransportKind.LongPolling, "/sync/poll/")]
    public async Task A_refused_uplink_post__ends_the_connection_with_its_reason_and_the_client_recovers(Converge.Client.Transports.TransportKind kind, string uplinkPrefix)
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"));
        await using var proxy = TestClients.ProxyTo(server);
        await using var client = TestClients.Create(proxy.ToProxyUri(server.SyncUri), transports: kind);
        await client.StartAsync();
        var document = await client.OpenDocumentAsync("doc");

        proxy.BlockRequests(head => head.Method == "POST" && head.Path.StartsWith(uplinkPrefix, StringComparison.Ordinal), 502);
        var receipt = await document.SetAsync("k", System.Text.Json.JsonSerializer.SerializeToElement(1));
        var lost = await client.UntilStatusAsync(s => s.State == Converge.Client.ConnectionState.Reconnecting, "reconnecting after a refused post");
        Assert.Equal(Converge.Client.Reconnection.FailureKind.ServerError, lost.LastFailure?.Kind);

        proxy.Restore();
        Assert.Equal(1, await receipt.Acknowledged.WaitAsync(TimeSpan.FromSeconds(20)));
    }
}
