using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Converge.Client;
using Converge.Client.Presence;
using Converge.Client.Transports;
using Converge.IntegrationTests.Infrastructure;
using Converge.Protocol;
using Converge.Protocol.Frames;
using Converge.Server.Authority;
using Converge.Server.Presence;
using Converge.Server.Security;
using Converge.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Converge.IntegrationTests.Presence;

/// <summary>Issue 7, presence, end to end over real Kestrel on 127.0.0.1 with real clients on every transport.</summary>
public sealed class PresenceTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    private static JsonElement Person(string name) => Json($$"""{"name":"{{name}}","color":"#3f51b5"}""");

    private static int X(PresenceUser user) => user.Connections[0].Position is { } p ? p.GetProperty("x").GetInt32() : -1;

    /// <summary>Tokens are user names; everyone may read everything except "secret".</summary>
    private static Task<TestServer> AuthenticatedServerAsync(TempDirectory temp) =>
        TestServer.StartAsync(temp.File("converge.db"),
            configureServices: services =>
            {
                services.AddAuthentication().AddConvergeBearer(o => o.ValidateToken = (token, _) =>
                    ValueTask.FromResult<ClaimsPrincipal?>(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, token)], "test"))));
                services.AddAuthorization();
                services.AddSingleton<IDocumentAuthorizer, NoSecrets>();
            },
            configureEndpoints: endpoints => endpoints.RequireAuthorization());

    private static ConvergeClient As(TestServer server, string user, params TransportKind[] transports) =>
        TestClients.Create(server.SyncUri, o => o.AccessTokenProvider = (_, _) => ValueTask.FromResult<string?>(user), transports);

    [Fact]
    public async Task A_hundred_clients_join__ten_killed_without_goodbye_go_after_the_timeout_and_the_rest_stay()
    {
        using var temp = new TempDirectory();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var lastHeard = time.GetUtcNow();
        // Live sessions must neither idle out nor ping while the test moves the server's clock: only presence's own
        // timeout is under test, counted from when the killed clients were last heard (their join, at lastHeard).
        await using var server = await TestServer.StartAsync(temp.File("converge.db"), o =>
        {
            o.ClientTimeout = TimeSpan.FromHours(1);
            o.HeartbeatInterval = TimeSpan.FromMinutes(30);
        }, time);
        await using var proxy = TestClients.ProxyTo(server);
        var clients = Enumerable.Range(0, 100).Select(i => TestClients.Create(i < 10 ? proxy.ToProxyUri(server.SyncUri) : server.SyncUri, o =>
        {
            o.ClientId = $"user-{i:000}";
            o.Heartbeat.Interval = TimeSpan.FromMinutes(30);
        }, TransportKind.WebSocket)).ToArray();
        try
        {
            await Task.WhenAll(clients.Select(c => c.StartAsync()));
            var handles = await Task.WhenAll(clients.Select(c => c.JoinPresenceAsync("room", Person(c.ClientId))));
            Assert.Equal(lastHeard, time.GetUtcNow());
            var watches = handles.Select(h => new PresenceWatch(h)).ToArray();
            var survivors = watches[10..];
            void Batch() => time.Advance(TimeSpan.FromMilliseconds(50));
            await PresenceWatch.UntilAllAsync(watches, s => s.UserCount == 100 && s.Users.Count == 100, "all 100 present", Batch);

            // Killed: their connections cut and never let back, so no goodbye ever reaches the server.
            proxy.RefuseNewConnections();
            proxy.DropConnections();
            await server.UntilActiveSessionsAsync(90);
            var registry = server.Services.GetRequiredService<PresenceRegistry>();
            while (registry.TrackedSessions != 90)
            {
                await Task.Yield();
            }

            // The server's clock alone decides: until 45 s after they were last heard from, all 100 are there.
            var room = registry.Find("room")!;
            var untilTimeout = TimeSpan.FromSeconds(45) - (time.GetUtcNow() - lastHeard);
            time.Advance(untilTimeout - TimeSpan.FromMilliseconds(1));
            Assert.Equal(100, room.ConnectionCount);
            Batch();
            Assert.All(survivors, w => Assert.Equal(100, w.Handle.State.UserCount));
            Assert.All(survivors, w => Assert.Empty(w.Left));

            time.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Equal(90, room.ConnectionCount);
            await PresenceWatch.UntilAllAsync(survivors, s => s.UserCount == 90, "the killed ten gone", Batch);
            var killed = clients[..10].Select(c => c.ClientId).Order().ToArray();
            var alive = clients[10..].Select(c => c.ClientId).Order().ToArray();
            foreach (var watch in survivors)
            {
                Assert.Equal(killed, watch.Left.Order());
                Assert.Equal(alive, watch.Handle.State.Users.Select(u => u.UserId));
            }

            Assert.Equal(10, server.Logs.Lines.Count(l => l.EventId.Name == "PresenceExpired"));
            // Ephemeral: no authority was activated and nothing reached the change log.
            Assert.Equal(0, server.Services.GetRequiredService<AuthorityRegistry>().Count);
            Assert.Empty(await server.Services.GetRequiredService<IChangeStore>().ReadAsync("room", 0, 10, CancellationToken.None));
        }
        finally
        {
            await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task One_user_on_three_connections_over_three_transports__joins_once_and_leaves_once_after_the_last_closes()
    {
        using var temp = new TempDirectory();
        await using var server = await AuthenticatedServerAsync(temp);
        await using var olga = As(server, "olga", TransportKind.WebSocket);
        var tabs = new[] { As(server, "ann", TransportKind.WebSocket), As(server, "ann", TransportKind.ServerSentEvents), As(server, "ann", TransportKind.LongPolling) };
        await Task.WhenAll(tabs.Append(olga).Select(c => c.StartAsync()));
        var watch = new PresenceWatch(await olga.JoinPresenceAsync("doc", Person("Olga")));
        foreach (var tab in tabs)
        {
            await tab.JoinPresenceAsync("doc", Person("Ann"));
        }

        await watch.UntilAsync(s => s.Find("ann")?.Connections.Count == 3, "ann with three connections");
        Assert.Equal(["ann"], watch.Joined);
        Assert.Equal(tabs.Select(t => t.ClientId).Order(), watch.Handle.State.Find("ann")!.Connections.Select(c => c.ConnectionId).Order());
        Assert.Equal((2, 4), (watch.Handle.State.UserCount, watch.Handle.State.ConnectionCount));

        await tabs[0].DisposeAsync();
        await tabs[1].DisposeAsync();
        await watch.UntilAsync(s => s.Find("ann")?.Connections.Count == 1, "ann down to one connection");
        Assert.Empty(watch.Left);

        await tabs[2].DisposeAsync();
        await watch.UntilAsync(s => s.Find("ann") is null, "ann gone");
        Assert.Equal(["ann"], watch.Left);
        Assert.Equal(["ann"], watch.Joined);
    }

    [Fact]
    public async Task A_cursor_flood_of_1000_updates_a_second__reaches_others_at_most_at_the_throttle_rate_with_the_latest_last()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"));
        await using var mover = TestClients.Create(server.SyncUri, o => o.ClientId = "mover", TransportKind.WebSocket);
        await using var viewer = TestClients.Create(server.SyncUri, o => o.ClientId = "viewer", TransportKind.WebSocket);
        await using var poller = TestClients.Create(server.SyncUri, o => o.ClientId = "poller", TransportKind.LongPolling);
        await Task.WhenAll(mover.StartAsync(), viewer.StartAsync(), poller.StartAsync());
        var moving = await mover.JoinPresenceAsync("board", Person("Mo"));
        var watches = new[] { new PresenceWatch(await viewer.JoinPresenceAsync("board", Person("Vi"))), new PresenceWatch(await poller.JoinPresenceAsync("board", Person("Po"))) };
        await PresenceWatch.UntilAllAsync(watches, s => s.UserCount == 3, "everyone present");

        // 1,000 updates a second for two seconds, 10 every 10 ms.
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        var sent = 0;
        while (sent < 2000 && await tick.WaitForNextTickAsync())
        {
            for (var i = 0; i < 10; i++)
            {
                await moving.SetCursorAsync(Json($$"""{"x":{{++sent}},"y":0}"""));
            }
        }

        var floodSeconds = started.Elapsed.TotalSeconds;
        await PresenceWatch.UntilAllAsync(watches, s => s.Find("mover") is { } m && X(m) == 2000, "the latest cursor, 2000");
        foreach (var watch in watches)
        {
            var updates = watch.UpdatesOf("mover").Where(u => X(u.User) > 0).ToArray();
            var xs = updates.Select(u => X(u.User)).ToArray();
            Assert.Equal(xs.Order(), xs);
            Assert.Equal(2000, xs[^1]);
            var busiestSecond = updates.Max(u => updates.Count(v => v.At >= u.At && v.At < u.At + TimeSpan.FromSeconds(1)));
            Assert.InRange(busiestSecond, 1, 30);
            Console.WriteLine($"presence flood: {sent} cursor updates in {floodSeconds:0.00} s; {watch.Handle.ConnectionId} saw {updates.Length} ({updates.Length / floodSeconds:0.0}/s), at most {busiestSecond} in any second");
        }
    }

    [Theory]
    [InlineData(TransportKind.WebSocket)]
    [InlineData(TransportKind.ServerSentEvents)]
    [InlineData(TransportKind.LongPolling)]
    public async Task A_reconnect_within_the_timeout__shows_others_no_leave_and_no_join(TransportKind transport)
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"));
        await using var proxy = TestClients.ProxyTo(server);
        await using var roamer = TestClients.Create(proxy.ToProxyUri(server.SyncUri), o => o.ClientId = "roamer", transport);
        await using var observer = TestClients.Create(server.SyncUri, o => o.ClientId = "observer", TransportKind.WebSocket);
        await Task.WhenAll(roamer.StartAsync(), observer.StartAsync());
        var roaming = await roamer.JoinPresenceAsync("doc", Person("Ro"));
        var watch = new PresenceWatch(await observer.JoinPresenceAsync("doc", Person("Ob")));
        await roaming.SetCursorAsync(Json("""{"x":1}"""));
        await watch.UntilAsync(s => s.Find("roamer") is { } r && X(r) == 1, "the roamer's first cursor");
        var roamerEvents = new PresenceWatch(roaming);
        await roamerEvents.UntilAsync(s => s.UserCount == 2, "the roamer sees the observer");
        var roamerJoinedBefore = roamerEvents.Joined.Length;

        for (var round = 2; round <= 4; round++)
        {
            if (transport == TransportKind.LongPolling)
            {
                // A dropped poll is simply retried (HttpClient re-sends it, and the protocol re-sends unconfirmed frames),
                // so nothing reconnects; a session the server no longer knows does.
                proxy.BlockRequests(h => h.Path.StartsWith("/sync/poll/", StringComparison.Ordinal), 404);
            }

            proxy.DropConnections();
            await roamer.UntilStatusAsync(s => s.State != ConnectionState.Connected, "the roamer lost its connection");
            proxy.AllowAllRequests();
            await roamer.UntilStatusAsync(s => s.State == ConnectionState.Connected, "the roamer back");
            await roaming.SetCursorAsync(Json($$"""{"x":{{round}}}"""));
            await watch.UntilAsync(s => s.Find("roamer") is { } r && X(r) == round, $"the roamer's cursor after reconnect {round - 1}");
        }

        // The watch started after both had joined: any join or leave it saw would be a flicker.
        Assert.Empty(watch.Joined);
        Assert.Empty(watch.Left);
        // The roamer, reconciling the server's answers to its re-announcements, saw no one come or go either.
        Assert.Equal(roamerJoinedBefore, roamerEvents.Joined.Length);
        Assert.Empty(roamerEvents.Left);
    }

    [Fact]
    public async Task Above_the_list_limit__everyone_gets_counts_instead_of_lists_and_lists_again_when_the_room_shrinks()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"), o => o.Presence.MaxListedUsers = 3);
        var clients = Enumerable.Range(0, 5).Select(i => TestClients.Create(server.SyncUri, o => o.ClientId = $"u{i}",
            i % 2 == 0 ? TransportKind.WebSocket : TransportKind.ServerSentEvents)).ToArray();
        try
        {
            await Task.WhenAll(clients.Select(c => c.StartAsync()));
            var watches = new List<PresenceWatch>();
            foreach (var client in clients)
            {
                watches.Add(new PresenceWatch(await client.JoinPresenceAsync("hall", Person(client.ClientId))));
            }

            await PresenceWatch.UntilAllAsync(watches, s => s.IsAggregated && s.UserCount == 5 && s.ConnectionCount == 5, "counts only, 5 users");
            Assert.All(watches, w => Assert.Empty(w.Handle.State.Users));

            await clients[4].DisposeAsync();
            await clients[3].DisposeAsync();
            await PresenceWatch.UntilAllAsync(watches[..3], s => !s.IsAggregated && s.Users.Count == 3, "a list again, 3 users");
            Assert.Equal(["u0", "u1", "u2"], watches[0].Handle.State.Users.Select(u => u.UserId));
        }
        finally
        {
            await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task Typing__shows_to_others_and_expires_by_itself()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"), o => o.Presence.TypingTimeout = TimeSpan.FromMilliseconds(300));
        await using var typist = TestClients.Create(server.SyncUri, o => o.ClientId = "typist", TransportKind.LongPolling);
        await using var reader = TestClients.Create(server.SyncUri, o => o.ClientId = "reader", TransportKind.WebSocket);
        await Task.WhenAll(typist.StartAsync(), reader.StartAsync());
        var typing = await typist.JoinPresenceAsync("doc", Person("Ty"));
        var watch = new PresenceWatch(await reader.JoinPresenceAsync("doc", Person("Re")));

        await typing.SetTypingAsync(true);
        await watch.UntilAsync(s => s.Find("typist")?.IsTyping == true, "the typist typing");
        await watch.UntilAsync(s => s.Find("typist")?.IsTyping == false, "the indicator gone by itself");
    }

    [Fact]
    public async Task A_clean_disconnect__is_seen_at_once_not_after_the_timeout()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"));
        await using var observer = TestClients.Create(server.SyncUri, o => o.ClientId = "observer", TransportKind.WebSocket);
        var leaver = TestClients.Create(server.SyncUri, o => o.ClientId = "leaver", TransportKind.LongPolling);
        await Task.WhenAll(observer.StartAsync(), leaver.StartAsync());
        var watch = new PresenceWatch(await observer.JoinPresenceAsync("doc", Person("Ob")));
        await leaver.JoinPresenceAsync("doc", Person("Le"));
        await watch.UntilAsync(s => s.UserCount == 2, "the leaver present");

        var started = System.Diagnostics.Stopwatch.StartNew();
        await leaver.DisposeAsync();
        await watch.UntilAsync(s => s.UserCount == 1, "the leaver gone");
        Assert.Equal(["leaver"], watch.Left);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"the leave took {started.Elapsed}");
    }

    [Fact]
    public async Task Presence_in_a_document_without_read_access__throws_a_typed_error_and_is_logged()
    {
        using var temp = new TempDirectory();
        await using var server = await AuthenticatedServerAsync(temp);
        await using var ann = As(server, "ann", TransportKind.ServerSentEvents);
        await ann.StartAsync();

        var error = await Assert.ThrowsAsync<PresenceRejectedException>(() => ann.JoinPresenceAsync("secret", Person("Ann")));
        Assert.Equal(ErrorCodes.Forbidden, error.ErrorCode);
        Assert.Contains(server.Logs.Lines, l => l.EventId.Name == "PresenceRejected" && l.Message.Contains("secret", StringComparison.Ordinal));
        Assert.Null(server.Services.GetRequiredService<PresenceRegistry>().Find("secret"));
        // The session is unharmed: presence elsewhere works.
        await using var handle = await ann.JoinPresenceAsync("doc", Person("Ann"));
        Assert.Equal("ann", Assert.Single(handle.State.Users).UserId);
    }

    [Theory]
    [InlineData("""{"type":"presenceJoin","documentId":"doc","metadata":"Ann"}""")]
    [InlineData("""{"type":"presenceJoin","documentId":"doc","metadata":{"a":"\ud800"}}""")]
    [InlineData("""{"type":"presenceUpdate","documentId":"doc"}""")]
    [InlineData("""{"type":"presenceSnapshot","documentId":"doc","users":[],"userCount":0,"connectionCount":0}""")]
    public async Task A_malformed_or_misplaced_presence_frame_over_websocket__gets_an_error_and_its_close_code_and_is_logged(string payload)
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"));
        await using var socket = await RawSocket.ConnectAsync(server);
        await socket.HelloAsync();
        await socket.ReceiveAsync<WelcomeFrame>();

        await socket.SendTextAsync(payload);
        var error = Assert.IsType<ErrorFrame>(Assert.Single(await socket.ReceiveUntilClosedAsync()));
        var expected = payload.Contains("presenceSnapshot", StringComparison.Ordinal) ? ErrorCodes.UnexpectedFrame : ErrorCodes.MalformedFrame;
        Assert.Equal(expected, error.Code);
        Assert.Equal((int)ConvergeCloseCodeExtensions.ForErrorCode(expected), (int)socket.CloseStatus!);
        Assert.Contains(server.Logs.Lines, l => l.EventId.Name == "WebSocketBadFrame");
    }

    [Fact]
    public async Task Oversized_metadata_over_websocket__is_refused_with_presence_too_large_and_the_session_carries_on()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"));
        await using var socket = await RawSocket.ConnectAsync(server);
        await socket.HelloAsync();
        await socket.ReceiveAsync<WelcomeFrame>();

        await socket.SendAsync(new PresenceJoinFrame("doc", Json(JsonSerializer.Serialize(new { name = new string('x', 10_000) }))));
        var rejected = await socket.ReceiveAsync<PresenceRejectedFrame>();
        Assert.Equal(ErrorCodes.PresenceTooLarge, rejected.Code);
        await socket.SendAsync(new PresenceJoinFrame("doc", Person("Raw")));
        Assert.Equal("raw", Assert.Single((await socket.ReceiveAsync<PresenceSnapshotFrame>()).Users).UserId);
        Assert.Contains(server.Logs.Lines, l => l.EventId.Name == "PresenceRejected");
    }

    [Fact]
    public async Task A_malformed_presence_frame_on_the_http_uplink__is_answered_400_and_closes_the_session()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Port}") };
        var hello = Encoding.UTF8.GetString(Converge.Protocol.Codecs.JsonFrameCodec.Instance.Encode(new HelloFrame(ConvergeProtocol.Version, "raw-http")));
        using var opened = await http.GetAsync("/sync/poll?hello=" + Uri.EscapeDataString(hello));
        var session = opened.Headers.GetValues("Converge-Session").Single();

        using var body = new StringContent("""{"type":"presenceJoin","documentId":"doc","metadata":[1,2]}""", Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        using var answer = await http.PostAsync($"/sync/poll/{session}", body);
        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Contains(ErrorCodes.MalformedFrame, await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains(server.Logs.Lines, l => l.EventId.Name == "HttpUplinkBadFrame");
    }

    private sealed class NoSecrets : IDocumentAuthorizer
    {
        public ValueTask<DocumentAccess> GetAccessAsync(ClaimsPrincipal user, string documentId, CancellationToken cancellationToken) =>
            ValueTask.FromResult(documentId == "secret" ? DocumentAccess.None : DocumentAccess.ReadWrite);
    }
}
