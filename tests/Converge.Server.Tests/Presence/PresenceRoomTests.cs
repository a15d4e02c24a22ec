using System.Diagnostics.Metrics;
using System.Text.Json;
using Converge.Protocol.Frames;
using Converge.Server.Presence;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Converge.Server.Tests.Presence;

/// <summary>One document's presence room on fake time: joins and leaves per user, timeouts, batching, aggregation, backpressure.</summary>
public sealed class PresenceRoomTests : IDisposable
{
    private static readonly TimeSpan Batch = TimeSpan.FromMilliseconds(50);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
    private readonly PresenceOptions _options = new();
    private readonly Meter _meter = new("presence-room-tests");
    private readonly List<PresenceRoom> _retired = [];
    private readonly PresenceRoom _room;

    public PresenceRoomTests()
    {
        _room = NewRoom();
    }

    public void Dispose()
    {
        _room.Dispose();
        _meter.Dispose();
    }

    private PresenceRoom NewRoom() =>
        new("doc", _options, _time, new PresenceMetrics(_meter, () => 0, () => 0), NullLogger.Instance, room =>
        {
            if (room.TryRetire())
            {
                _retired.Add(room);
            }
        });

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    private static JsonElement Name(string name) => Json($$"""{"name":"{{name}}"}""");

    private static PresenceCursor At(int x) => new(Json($$"""{"x":{{x}},"y":0}"""));

    private (FakeRecipient Session, string Connection) Join(string user, string connection, string? name = null)
    {
        var session = new FakeRecipient(connection);
        Assert.Equal(PresenceJoinOutcome.Joined, _room.Join(session, user, authenticated: true, connection, Name(name ?? user), null));
        return (session, connection);
    }

    private FakeRecipient Observer()
    {
        var observer = new FakeRecipient("observer");
        _room.Join(observer, "observer", authenticated: true, "observer-connection", Name("Olga"), null);
        return observer;
    }

    [Fact]
    public void A_joiner__gets_the_whole_room_at_once_and_others_get_changes_in_batches_one_interval_apart()
    {
        var observer = Observer();
        _time.Advance(TimeSpan.FromSeconds(1));
        _time.Advance(TimeSpan.FromSeconds(1));
        var (ann, _) = Join("ann", "a1");

        var snapshot = Assert.IsType<PresenceSnapshotFrame>(Assert.Single(ann.Frames));
        Assert.Equal(["ann", "observer"], snapshot.Users.Select(u => u.UserId));

        // A quiet room: the first change goes almost at once.
        Assert.Single(observer.Frames);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var diff = Assert.IsType<PresenceDiffFrame>(observer.Frames[^1]);
        Assert.Equal("ann", Assert.Single(diff.Changed).UserId);
        Assert.Equal((2, 2), (diff.UserCount, diff.ConnectionCount));

        // Then batches: what comes within the interval waits for its end, and travels together.
        Join("bob", "b1");
        _time.Advance(TimeSpan.FromMilliseconds(20));
        Join("carol", "c1");
        _time.Advance(Batch - TimeSpan.FromMilliseconds(21));
        Assert.Equal(2, observer.Frames.Count);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(["bob", "carol"], Assert.IsType<PresenceDiffFrame>(observer.Frames[^1]).Changed.Select(u => u.UserId));
    }

    [Fact]
    public void One_user_on_three_connections__is_one_entry_that_joins_once_and_leaves_after_the_last()
    {
        var observer = Observer();
        var tabs = new[] { Join("ann", "tab1"), Join("ann", "tab2"), Join("ann", "tab3") };
        _time.Advance(Batch);

        Assert.Equal(["observer", "ann"], observer.View.Joined);
        Assert.Equal(["tab1", "tab2", "tab3"], observer.View.Users["ann"].Connections.Select(c => c.ConnectionId));
        Assert.Equal((2, 4), (observer.View.UserCount, observer.View.ConnectionCount));

        _room.Leave(tabs[0].Session, "ann", tabs[0].Connection);
        _time.Advance(Batch);
        _room.Leave(tabs[1].Session, "ann", tabs[1].Connection);
        _time.Advance(Batch);
        Assert.Empty(observer.View.Left);
        Assert.Equal(["tab3"], observer.View.Users["ann"].Connections.Select(c => c.ConnectionId));

        _room.Leave(tabs[2].Session, "ann", tabs[2].Connection);
        _time.Advance(Batch);
        Assert.Equal(["ann"], observer.View.Left);
        Assert.Equal(["observer", "ann"], observer.View.Joined);
        Assert.Equal((1, 1), (observer.View.UserCount, observer.View.ConnectionCount));
    }

    [Fact]
    public void The_user_metadata__is_the_one_most_recently_set_by_any_of_their_connections()
    {
        var observer = Observer();
        var tab1 = Join("ann", "tab1", "Ann");
        var tab2 = Join("ann", "tab2", "Ann (phone)");
        _time.Advance(Batch);
        Assert.Equal("Ann (phone)", observer.View.Users["ann"].Metadata.GetProperty("name").GetString());

        Assert.True(_room.Update(tab1.Session, "ann", "tab1", Name("Ann B."), null, null));
        _time.Advance(Batch);
        Assert.Equal("Ann B.", observer.View.Users["ann"].Metadata.GetProperty("name").GetString());

        // The newest metadata's connection goes: the user shows the newest of those left.
        _room.Leave(tab1.Session, "ann", "tab1");
        _time.Advance(Batch);
        Assert.Equal("Ann (phone)", observer.View.Users["ann"].Metadata.GetProperty("name").GetString());
        Assert.Equal("tab2", Assert.Single(observer.View.Users["ann"].Connections).ConnectionId);
        _ = tab2;
    }

    [Fact]
    public void A_connection_whose_session_ended_without_a_goodbye__stays_until_the_timeout_counted_from_when_it_was_last_heard()
    {
        var observer = Observer();
        var (ann, _) = Join("ann", "a1");
        _time.Advance(Batch);

        _room.Detach(ann, silentFor: TimeSpan.FromSeconds(5));
        _time.Advance(TimeSpan.FromSeconds(39) + TimeSpan.FromMilliseconds(999));
        Assert.True(observer.View.Users.ContainsKey("ann"));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        _time.Advance(Batch);
        Assert.False(observer.View.Users.ContainsKey("ann"));
        Assert.Equal(["ann"], observer.View.Left);
    }

    [Fact]
    public void A_session_silent_for_longer_than_the_timeout__goes_at_once_when_it_ends()
    {
        var observer = Observer();
        var (ann, _) = Join("ann", "a1");
        _time.Advance(Batch);
        _room.Detach(ann, silentFor: _options.Timeout + TimeSpan.FromSeconds(1));
        _time.Advance(Batch);
        Assert.Equal(["ann"], observer.View.Left);
    }

    [Fact]
    public void A_clean_leave__is_seen_in_the_next_batch_not_after_the_timeout()
    {
        var observer = Observer();
        var (ann, connection) = Join("ann", "a1");
        _time.Advance(Batch);
        _room.Leave(ann, "ann", connection);
        _time.Advance(Batch);
        Assert.Equal(["ann"], observer.View.Left);
    }

    [Fact]
    public void A_reconnect_within_the_timeout__resumes_the_entry_with_no_leave_no_join_and_no_frame_at_all()
    {
        var observer = Observer();
        var (ann, _) = Join("ann", "a1");
        _room.Update(ann, "ann", "a1", null, At(5), null);
        _time.Advance(Batch);
        var seen = observer.Frames.Count;

        _room.Detach(ann, TimeSpan.Zero);
        _time.Advance(TimeSpan.FromSeconds(30));
        var reconnected = new FakeRecipient("a1-again");
        Assert.Equal(PresenceJoinOutcome.Resumed, _room.Join(reconnected, "ann", authenticated: true, "a1", Name("ann"), At(5)));
        _time.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(seen, observer.Frames.Count);
        Assert.Equal(["observer", "ann"], observer.View.Joined);
        Assert.Empty(observer.View.Left);
        Assert.IsType<PresenceSnapshotFrame>(Assert.Single(reconnected.Frames));

        // The old session's end, arriving late, no longer touches the entry the new one carries.
        _room.Detach(ann, TimeSpan.Zero);
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Empty(observer.View.Left);
        Assert.True(_room.Update(reconnected, "ann", "a1", null, At(6), null));
    }

    [Fact]
    public void A_cursor_flood__reaches_others_once_per_batch_with_the_latest_value_last()
    {
        var observer = Observer();
        var (ann, _) = Join("ann", "a1");
        _time.Advance(Batch);
        observer.Clear();

        // 1,000 updates in one second of fake time.
        for (var i = 1; i <= 1000; i++)
        {
            Assert.True(_room.Update(ann, "ann", "a1", null, At(i), null));
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        _time.Advance(Batch);
        var diffs = observer.Frames.OfType<PresenceDiffFrame>().ToArray();
        Assert.Equal(observer.Frames.Count, diffs.Length);
        Assert.InRange(diffs.Length, 20, 22);
        Assert.Equal(1000, observer.View.Users["ann"].Connections[0].Cursor!.Position!.Value.GetProperty("x").GetInt32());
        var xs = diffs.Select(d => d.Changed.Single().Connections[0].Cursor!.Position!.Value.GetProperty("x").GetInt32()).ToArray();
        Assert.Equal(xs.Order(), xs);
    }

    [Fact]
    public void Changes_that_change_nothing__send_nothing()
    {
        var observer = Observer();
        var (ann, _) = Join("ann", "a1");
        _room.Update(ann, "ann", "a1", null, At(1), null);
        _time.Advance(Batch);
        var seen = observer.Frames.Count;

        _room.Update(ann, "ann", "a1", Name("ann"), At(1), false);
        _room.Update(ann, "ann", "a1", null, new PresenceCursor(Json("""{"y":0,"x":1}""")), null);
        _time.Advance(Batch * 4);
        Assert.Equal(seen, observer.Frames.Count);
    }

    [Fact]
    public void Typing__shows_until_the_typing_timeout_unless_said_again()
    {
        var observer = Observer();
        var (ann, _) = Join("ann", "a1");
        _room.Update(ann, "ann", "a1", null, null, true);
        _time.Advance(Batch);
        Assert.True(observer.View.Users["ann"].Connections[0].Typing);

        _time.Advance(TimeSpan.FromSeconds(3));
        _room.Update(ann, "ann", "a1", null, null, true);
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.True(observer.View.Users["ann"].Connections[0].Typing);

        _time.Advance(TimeSpan.FromSeconds(1));
        _time.Advance(Batch);
        Assert.False(observer.View.Users["ann"].Connections[0].Typing);
    }

    [Fact]
    public void Above_the_list_limit__members_get_counts_and_cursors_stop_flowing_until_the_room_shrinks()
    {
        _options.MaxListedUsers = 3;
        var observer = Observer();
        var others = Enumerable.Range(1, 3).Select(i => Join($"u{i}", $"c{i}")).ToArray();
        _time.Advance(Batch);
        Assert.True(observer.View.Aggregated);
        Assert.Equal((4, 4), (observer.View.UserCount, observer.View.ConnectionCount));
        var snapshot = Assert.IsType<PresenceSnapshotFrame>(observer.Frames[^1]);
        Assert.Empty(snapshot.Users);

        var seen = observer.Frames.Count;
        for (var i = 0; i < 100; i++)
        {
            _room.Update(others[0].Session, "u1", "c1", null, At(i), null);
            _time.Advance(TimeSpan.FromMilliseconds(10));
        }

        Assert.Equal(seen, observer.Frames.Count);

        _room.Leave(others[2].Session, "u3", "c3");
        _time.Advance(Batch);
        Assert.False(observer.View.Aggregated);
        Assert.Equal(["observer", "u1", "u2"], observer.View.Users.Keys.Order());
        Assert.Equal(99, observer.View.Users["u1"].Connections[0].Cursor!.Position!.Value.GetProperty("x").GetInt32());
    }

    [Fact]
    public void A_busy_member__gets_nothing_while_busy_then_one_coalesced_diff_and_others_are_not_held_up()
    {
        var slow = Observer();
        var fast = new FakeRecipient("fast");
        _room.Join(fast, "fast", authenticated: true, "fast-connection", Name("Fay"), null);
        var (ann, _) = Join("ann", "a1");
        _time.Advance(Batch);
        slow.Busy = true;
        var slowFrames = slow.Frames.Count;

        for (var i = 0; i < 200; i++)
        {
            _room.Update(ann, "ann", "a1", null, At(i), null);
            _time.Advance(TimeSpan.FromMilliseconds(5));
        }

        var (bob, _) = Join("bob", "b1");
        _room.Leave(ann, "ann", "a1");
        _time.Advance(Batch);
        Assert.Equal(slowFrames, slow.Frames.Count);
        Assert.True(fast.Frames.Count > 15);
        Assert.Equal(["bob", "fast", "observer"], fast.View.Users.Keys.Order());

        slow.Busy = false;
        _time.Advance(Batch);
        var catchUp = Assert.IsType<PresenceDiffFrame>(Assert.Single(slow.Frames.Skip(slowFrames)));
        Assert.Equal(["bob"], catchUp.Changed.Select(u => u.UserId));
        Assert.Equal(["ann"], catchUp.Left);
        Assert.Equal(fast.View.Users.Keys.Order(), slow.View.Users.Keys.Order());
        _ = bob;
    }

    [Fact]
    public void An_anonymous_client_id__cannot_take_over_an_authenticated_user_of_the_same_name()
    {
        Join("ann", "a1");
        Assert.Equal(PresenceJoinOutcome.IdentityTaken, _room.Join(new FakeRecipient("x"), "ann", authenticated: false, "ann", Name("Mallory"), null));
    }

    [Fact]
    public void The_last_member_leaving__retires_the_room_and_a_retired_room_refuses_joins()
    {
        var (ann, connection) = Join("ann", "a1");
        _room.Leave(ann, "ann", connection);
        Assert.Same(_room, Assert.Single(_retired));
        Assert.Equal(PresenceJoinOutcome.Retired, _room.Join(new FakeRecipient("late"), "bob", authenticated: true, "b1", Name("Bob"), null));
    }

    [Fact]
    public void A_room_kept_only_by_detached_connections__retires_when_they_expire()
    {
        var (ann, _) = Join("ann", "a1");
        _room.Detach(ann, TimeSpan.Zero);
        Assert.Empty(_retired);
        _time.Advance(_options.Timeout);
        Assert.Same(_room, Assert.Single(_retired));
    }
}
