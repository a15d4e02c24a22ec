using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text.Json;
using Converge.Client;
using Converge.Client.Reconnection;
using Converge.IntegrationTests.Infrastructure;
using Converge.Protocol;
using Converge.Protocol.Codecs;
using Converge.Protocol.Frames;
using Converge.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Converge.IntegrationTests.Security;

/// <summary>Tokens "alice" and "bob" are valid; alice may read and write doc-a, only read doc-r, nothing else; bob everything.</summary>
public sealed class AuthorizationTests : IAsyncLifetime
{
    private readonly TempDirectory _temp = new();
    private TestServer _server = null!;

    public async ValueTask InitializeAsync() =>
        _server = await TestServer.StartAsync(_temp.File("converge.db"),
            configureServices: services =>
            {
                services.AddAuthentication().AddConvergeBearer(o => o.ValidateToken = (token, _) => ValueTask.FromResult(
                    token is "alice" or "bob" ? new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, token)], "test")) : null));
                services.AddAuthorization();
                services.AddSingleton<IDocumentAuthorizer, OnlyAliceIsRestricted>();
            },
            configureEndpoints: endpoints => endpoints.RequireAuthorization());

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _temp.Dispose();
    }

    private ConvergeClient Client(string token) =>
        TestClients.Create(_server.SyncUri, o => o.AccessTokenProvider = (_, _) => ValueTask.FromResult<string?>(token));

    private async Task WriteSecretsAsync(int count)
    {
        await using var bob = Client("bob");
        await bob.StartAsync();
        var secret = await bob.OpenDocumentAsync("doc-b");
        for (var i = 0; i < count; i++)
        {
            await (await secret.SetAsync($"secret{i}", JsonSerializer.SerializeToElement("classified"))).Acknowledged;
        }
    }

    [Fact]
    public async Task A_session_without_read_access__never_receives_the_documents_data_over_websocket()
    {
        await WriteSecretsAsync(3);
        await using var socket = await RawSocket.ConnectAsync(_server, "alice");
        // Both ways in: a hello subscription asking for a replay, and a subscribe asking for a snapshot.
        await socket.SendAsync(new HelloFrame(ConvergeProtocol.Version, "alice-client", Subscriptions: [new Subscription("doc-b", 1)]));
        await socket.SendAsync(new SubscribeFrame("doc-b", 0));
        await socket.SendAsync(new SubscribeFrame("doc-a", 0));
        await socket.SendAsync(new SubscribeFrame("doc-r", 0));
        var change = new ClientChange("alice-client", 1, [new Converge.Model.Documents.SetValue("x", JsonSerializer.SerializeToElement(1))]);
        await socket.SendAsync(new PushFrame("doc-b", [change]));
        await socket.SendAsync(new PushFrame("doc-r", [change]));
        await WriteSecretsAsync(2); // live changes while alice is connected
        await socket.SendAsync(new PingFrame(99));

        var frames = new List<Frame>();
        while (await socket.ReceiveAsync() is { } frame and not PongFrame { Payload: 99 })
        {
            frames.Add(frame);
        }

        AssertNothingOf("doc-b", frames);
        Assert.Equal(2, frames.OfType<ErrorFrame>().Count(e => e.Code == ErrorCodes.Forbidden && e.DocumentId == "doc-b"));
        Assert.Equal(ErrorCodes.NotSubscribed, Assert.Single(frames.OfType<RejectFrame>(), r => r.DocumentId == "doc-b").Code);
        Assert.Equal(ErrorCodes.Forbidden, Assert.Single(frames.OfType<RejectFrame>(), r => r.DocumentId == "doc-r").Code);
        Assert.Contains(frames, f => f is SubscribedFrame { DocumentId: "doc-r" });
        Assert.Contains(frames, f => f is SubscribedFrame { DocumentId: "doc-a" });
        Assert.Contains(_server.Logs.Lines, l => l.EventId.Name == "SessionForbidden");
    }

    [Theory]
    [InlineData("sse")]
    [InlineData("poll")]
    public async Task A_session_without_read_access__never_receives_the_documents_data_over_http(string path)
    {
        await WriteSecretsAsync(3);
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "alice");
        var hello = Uri.EscapeDataString("""{"type":"hello","protocolVersion":1,"clientId":"alice-client","subscriptions":[{"documentId":"doc-b","since":0},{"documentId":"doc-a","since":0}]}""");
        var uri = new Uri($"http://127.0.0.1:{_server.Port}/sync/{path}?hello={hello}");
        string body;
        if (path == "poll")
        {
            using var first = await http.GetAsync(uri);
            var session = first.Headers.GetValues("Converge-Session").Single();
            body = await first.Content.ReadAsStringAsync();
            var frames = JsonFrameCodec.Instance.DecodeBatch(System.Text.Encoding.UTF8.GetBytes(body)).ToList();
            while (!frames.Any(f => f is SubscribedFrame { DocumentId: "doc-a" }))
            {
                using var next = await http.GetAsync(new Uri($"http://127.0.0.1:{_server.Port}/sync/poll/{session}?since={frames.Count}"));
                frames.AddRange(JsonFrameCodec.Instance.DecodeBatch(await next.Content.ReadAsByteArrayAsync()));
            }

            AssertNothingOf("doc-b", frames);
            Assert.Contains(frames, f => f is ErrorFrame { Code: ErrorCodes.Forbidden, DocumentId: "doc-b" });
        }
        else
        {
            using var stream = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead);
            using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
            var frames = new List<Frame>();
            while (!frames.Any(f => f is SubscribedFrame { DocumentId: "doc-a" }) && await reader.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    frames.Add(JsonFrameCodec.Instance.Decode(System.Text.Encoding.UTF8.GetBytes(line[6..])));
                }
            }

            AssertNothingOf("doc-b", frames);
            Assert.Contains(frames, f => f is ErrorFrame { Code: ErrorCodes.Forbidden, DocumentId: "doc-b" });
        }
    }

    [Fact]
    public async Task Without_a_token__every_transport_answers_401_before_any_session_exists()
    {
        using var http = new HttpClient();
        var hello = Uri.EscapeDataString("""{"type":"hello","protocolVersion":1,"clientId":"x"}""");
        foreach (var path in new[] { "", "/sse", "/poll" })
        {
            var response = await http.GetAsync(new Uri($"http://127.0.0.1:{_server.Port}/sync{path}?hello={hello}"));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        Assert.Equal(0, _server.ActiveSessions);
    }

    [Fact]
    public async Task A_refused_token__is_refreshed_once_and_the_fresh_one_connects()
    {
        var requests = new List<bool>();
        await using var client = TestClients.Create(_server.SyncUri, o => o.AccessTokenProvider = (request, _) =>
        {
            lock (requests)
            {
                requests.Add(request.ForceRefresh);
            }

            return ValueTask.FromResult<string?>(request.ForceRefresh ? "alice" : "expired");
        });

        await client.StartAsync();
        Assert.Equal(ConnectionState.Connected, client.State);
        Assert.Equal([false, true], requests.Take(2));
    }

    [Fact]
    public async Task A_token_refused_even_after_refresh__stops_the_client_as_unauthorized()
    {
        await using var client = TestClients.Create(_server.SyncUri, o => o.AccessTokenProvider = (_, _) => ValueTask.FromResult<string?>("expired"));
        var error = await Assert.ThrowsAsync<ConvergeConnectionException>(() => client.StartAsync());
        Assert.Equal(FailureKind.Unauthorized, error.Failure.Kind);
        Assert.Equal(ConnectionState.Disconnected, client.State);
    }

    [Fact]
    public async Task Another_users_requests__cannot_use_a_sessions_id()
    {
        using var alice = new HttpClient();
        alice.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "alice");
        var hello = Uri.EscapeDataString("""{"type":"hello","protocolVersion":1,"clientId":"alice-client"}""");
        using var opened = await alice.GetAsync(new Uri($"http://127.0.0.1:{_server.Port}/sync/poll?hello={hello}"));
        var session = opened.Headers.GetValues("Converge-Session").Single();

        using var bob = new HttpClient();
        bob.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "bob");
        var poll = await bob.GetAsync(new Uri($"http://127.0.0.1:{_server.Port}/sync/poll/{session}?since=1"));
        Assert.Equal(HttpStatusCode.NotFound, poll.StatusCode);
        var post = await bob.PostAsync(new Uri($"http://127.0.0.1:{_server.Port}/sync/poll/{session}"), new StringContent("""{"type":"ping"}"""));
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
    }

    private static void AssertNothingOf(string documentId, IEnumerable<Frame> frames) =>
        Assert.DoesNotContain(frames, f => f switch
        {
            SnapshotFrame s => s.DocumentId == documentId,
            ChangesFrame c => c.DocumentId == documentId,
            SubscribedFrame s => s.DocumentId == documentId,
            AckFrame a => a.DocumentId == documentId,
            _ => false,
        });

    private sealed class OnlyAliceIsRestricted : IDocumentAuthorizer
    {
        public ValueTask<DocumentAccess> GetAccessAsync(ClaimsPrincipal user, string documentId, CancellationToken cancellationToken) =>
            ValueTask.FromResult(user.FindFirst(ClaimTypes.NameIdentifier)?.Value != "alice" ? DocumentAccess.ReadWrite : documentId switch
            {
                "doc-a" => DocumentAccess.ReadWrite,
                "doc-r" => DocumentAccess.Read,
                _ => DocumentAccess.None,
            });
    }
}
