using System.Text.Json;
using Converge.Client.Presence;
using Converge.Client.Tests.Fakes;
using Converge.Client.Transports;
using Converge.Protocol;
using Converge.Protocol.Frames;
using Microsoft.Extensions.Time.Testing;

namespace Converge.Client.Tests.Presence;

/// <summary>The client's presence API against a scripted server, on fake time.</summary>
public sealed class PresenceHandleTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
    private readonly ScriptedServer _server = new();
    private readonly ConvergeClient _client;

    public PresenceHandleTests()
    {
        var options = new ConvergeClientOptions
        {
            ServerUri = new Uri("ws://127.0.0.1:9/sync"),
            TimeProvider = _time,
            ClientId = "me",
            ReconnectPolicy = new Converge.Client.Reconnection.DefaultReconnectPolicy { Jitter = 0 },
        };
        options.Transports.Clear();
        options.Transports.Add(TransportKind.WebSocket);
        _client = new ConvergeClient(options, _server.Create, null);
    }

    public ValueTask DisposeAsync() => _client.DisposeAsync();

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    private static readonly JsonElement Ann = Json("""{"name":"Ann","color":"#e91e63"}""");

    private ScriptedTransport Transport => _server.Connections[^1];

    private static PresenceUserState User(string id, params (string Connection, int? X, bool Typing)[] connections) =>
        new(id, Json($$"""{"name":"{{id}}"}"""), connections.Select(c => new PresenceConnectionState(c.Connection, c.X is { } x ? new PresenceCursor(Json($$"""{"x":{{x}}}""")) : null, c.Typing)).ToArray());

    private static async Task<T> UntilAsync<T>(Func<T?> probe, string what) where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            if (probe() is { } value)
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, $"never: {what}");
            await Task.Yield();
        }
    }

    private T[] SentOf<T>(ScriptedTransport? transport = null) => [.. (transport ?? Transport).SentSnapshot().OfType<T>()];

    private async Task<PresenceHandle> JoinAsync(params PresenceUserState[] others)
    {
        await _client.StartAsync();
        var joining = _client.JoinPresenceAsync("doc", Ann);
        await UntilAsync(() => SentOf<PresenceJoinFrame>().FirstOrDefault(), "the join is sent");
        PresenceUserState[] users = [User("me", ("me", null, false)), .. others];
        Transport.Deliver(new PresenceSnapshotFrame("doc", users, users.Length, users.Sum(u => u.Connections.Count)));
        return await joining;
    }

    [Fact]
    public async Task Joining__sends_the_metadata_and_completes_with_the_room_marking_this_client_as_self()
    {
        await using var handle = await JoinAsync(User("bob", ("b1", 5, false), ("b2", null, true)));

        var join = Assert.Single(SentOf<PresenceJoinFrame>());
        Assert.Equal("Ann", join.Metadata.GetProperty("name").GetString());
        Assert.Equal(["bob", "me"], handle.State.Users.Select(u => u.UserId));
        Assert.True(handle.State.Find("me")!.IsSelf);
        var bob = handle.State.Find("bob")!;
        Assert.False(bob.IsSelf);
        Assert.True(bob.IsTyping);
        Assert.Equal(["b1", "b2"], bob.Connections.Select(c => c.ConnectionId));
        Assert.Equal(5, bob.Connections[0].Position!.Value.GetProperty("x").GetInt32());
        Assert.Equal((2, 3), (handle.State.UserCount, handle.State.ConnectionCount));
    }

    [Fact]
    public async Task Diffs__raise_one_event_each_with_who_joined_left_and_changed()
    {
        await using var handle = await JoinAsync(User("bob", ("b1", null, false)));
        var events = new List<PresenceChangedEventArgs>();
        handle.Changed += (_, e) => events.Add(e);

        Transport.Deliver(new PresenceDiffFrame("doc", [User("carol", ("c1", null, false)), User("bob", ("b1", 7, false))], [], 3, 3));
        Transport.Deliver(new PresenceDiffFrame("doc", [], ["bob"], 2, 2));
        await UntilAsync(() => events.Count == 2 ? events : null, "two events");

        Assert.Equal(["carol"], events[0].Joined.Select(u => u.UserId));
        Assert.Equal(["bob"], events[0].Updated.Select(u => u.UserId));
        Assert.Empty(events[0].Left);
        Assert.Equal(["bob"], events[1].Left.Select(u => u.UserId));
        Assert.Equal(["carol", "me"], handle.State.Users.Select(u => u.UserId));
        Assert.Equal(["carol", "me"], events[1].State.Users.Select(u => u.UserId));
    }

    [Fact]
    public async Task A_cursor_flood__goes_out_at_most_30_times_a_second_with_the_latest_last()
    {
        await using var handle = await JoinAsync();
        for (var i = 1; i <= 1000; i++)
        {
            await handle.SetCursorAsync(Json($$"""{"x":{{i}},"y":0}"""));
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        // The send loop runs on real threads: while waiting, let fake time move so a deferred (backlogged) update can go.
        var updates = await UntilAsync(() =>
        {
            var sent = SentOf<PresenceUpdateFrame>();
            if (sent.Length > 0 && sent[^1].Cursor?.Position?.GetProperty("x").GetInt32() == 1000)
            {
                return sent;
            }

            _time.Advance(TimeSpan.FromMilliseconds(1));
            return null;
        }, "the latest cursor goes out");
        Assert.InRange(updates.Length, 2, 31);
        Assert.All(updates, u => Assert.Null(u.Metadata));
    }

    [Fact]
    public async Task Typing__is_repeated_at_most_every_refresh_interval_and_stopping_is_sent_at_once()
    {
        await using var handle = await JoinAsync();
        for (var i = 0; i < 50; i++)
        {
            await handle.SetTypingAsync(true);
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        await handle.SetTypingAsync(false);
        await handle.SetTypingAsync(false);
        var typing = await UntilAsync(() => SentOf<PresenceUpdateFrame>() is { Length: > 0 } s && s[^1].Typing == false ? s : null, "typing off");
        Assert.Equal([true, true, true, false], typing.Select(t => t.Typing!.Value));
    }

    [Fact]
    public async Task A_reconnect__re_announces_with_the_same_metadata_and_cursor_and_an_unchanged_room_raises_nothing()
    {
        await using var handle = await JoinAsync(User("bob", ("b1", null, false)));
        await handle.SetCursorAsync(Json("""{"x":42}"""));
        Transport.Deliver(new PresenceDiffFrame("doc", [User("me", ("me", 42, false))], [], 2, 2));
        await UntilAsync(() => handle.State.Find("me")!.Connections[0].Position is { } p ? (object)p : null, "our cursor echoed");
        var events = new List<PresenceChangedEventArgs>();
        handle.Changed += (_, e) => events.Add(e);
        var first = Transport;

        var statuses = new StatusRecorder(_client);
        var reconnecting = statuses.WaitAsync(s => s.State == ConnectionState.Reconnecting, "reconnecting");
        first.ServerClose(ConvergeCloseCode.GoingAway, "restart");
        _time.Advance((await reconnecting).RetryDelay!.Value);
        var second = await UntilAsync(() => _server.Connections.Count == 2 ? _server.Connections[^1] : null, "a second connection");
        var rejoin = await UntilAsync(() => SentOf<PresenceJoinFrame>(second).FirstOrDefault(), "the re-announce");
        Assert.Equal("Ann", rejoin.Metadata.GetProperty("name").GetString());
        Assert.Equal(42, rejoin.Cursor!.Position!.Value.GetProperty("x").GetInt32());
        Assert.Equal(["bob", "me"], handle.State.Users.Select(u => u.UserId));

        second.Deliver(new PresenceSnapshotFrame("doc", [User("bob", ("b1", null, false)), User("me", ("me", 42, false))], 2, 2));
        second.Deliver(new PresenceDiffFrame("doc", [User("dan", ("d1", null, false))], [], 3, 3));
        await UntilAsync(() => events.Count > 0 ? events : null, "the diff's event");
        var only = Assert.Single(events);
        Assert.Equal(["dan"], only.Joined.Select(u => u.UserId));
    }

    [Fact]
    public async Task Stopping_and_disposing__say_goodbye()
    {
        var handle = await JoinAsync();
        await _client.StopAsync();
        Assert.Single(SentOf<PresenceLeaveFrame>());
        await _client.StartAsync();
        await UntilAsync(() => SentOf<PresenceJoinFrame>().FirstOrDefault(), "announced again after the restart");
        await handle.DisposeAsync();
        await UntilAsync(() => SentOf<PresenceLeaveFrame>().FirstOrDefault(), "the leave");
    }

    [Fact]
    public async Task A_refused_join__throws_a_typed_exception_with_the_servers_code_and_frees_the_document()
    {
        await _client.StartAsync();
        var joining = _client.JoinPresenceAsync("doc", Ann);
        await UntilAsync(() => SentOf<PresenceJoinFrame>().FirstOrDefault(), "the join");
        Transport.Deliver(new PresenceRejectedFrame("doc", ErrorCodes.Forbidden, "You may not read 'doc'."));

        var error = await Assert.ThrowsAsync<PresenceRejectedException>(() => joining);
        Assert.Equal((ErrorCodes.Forbidden, "doc"), (error.ErrorCode, error.DocumentId));
        _ = _client.JoinPresenceAsync("doc", Ann);
    }

    [Fact]
    public async Task Bad_metadata__is_refused_before_it_is_sent()
    {
        await _client.StartAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => _client.JoinPresenceAsync("doc", Json("\"Ann\"")));
        await Assert.ThrowsAsync<ArgumentException>(() => _client.JoinPresenceAsync("", Ann));
        var tooLarge = await Assert.ThrowsAsync<PresenceRejectedException>(() => _client.JoinPresenceAsync("doc", Json(JsonSerializer.Serialize(new { name = new string('x', 5000) }))));
        Assert.Equal(ErrorCodes.PresenceTooLarge, tooLarge.ErrorCode);
        _ = _client.JoinPresenceAsync("doc", Ann);
        await Assert.ThrowsAsync<InvalidOperationException>(() => _client.JoinPresenceAsync("doc", Ann));
        await UntilAsync(() => SentOf<PresenceJoinFrame>().FirstOrDefault(), "the one valid join");
        Assert.Single(SentOf<PresenceJoinFrame>());
    }

    [Fact]
    public async Task An_aggregated_room__shows_counts_only_and_going_back_to_a_list_reports_no_spurious_joins()
    {
        await using var handle = await JoinAsync(User("bob", ("b1", null, false)));
        var events = new List<PresenceChangedEventArgs>();
        handle.Changed += (_, e) => events.Add(e);

        Transport.Deliver(new PresenceSnapshotFrame("doc", [], 250, 300, Aggregated: true));
        await UntilAsync(() => events.Count == 1 ? events : null, "the aggregated snapshot");
        Assert.True(handle.State.IsAggregated);
        Assert.Empty(handle.State.Users);
        Assert.Equal((250, 300), (handle.State.UserCount, handle.State.ConnectionCount));
        Assert.Empty(events[0].Left);
    }
}
