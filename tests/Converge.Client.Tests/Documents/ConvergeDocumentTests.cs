using System.Text.Json;
using Converge.Client;
using Converge.Client.Documents;
using Converge.Model.Documents;
using Converge.Protocol;
using Converge.Protocol.Frames;
using Microsoft.Extensions.Logging.Abstractions;

namespace Converge.Client.Tests.Documents;

public sealed class ConvergeDocumentTests
{
    private const string Me = "me";
    private readonly RecordingSink _sink = new();
    private readonly ConvergeDocument _document;
    private readonly List<DocumentChangedEventArgs> _events = [];

    public ConvergeDocumentTests()
    {
        _document = new ConvergeDocument("doc", Me, _sink, NullLogger.Instance);
        _document.Changed += (_, e) => _events.Add(e);
        _document.BeginSubscription();
        _document.OnSnapshot(new SnapshotFrame("doc", 0, []));
        _document.OnSubscribed(new SubscribedFrame("doc", 0));
        _events.Clear();
    }

    private static JsonElement Json(object value) => JsonSerializer.SerializeToElement(value);

    private static ServerChange Remote(long sequence, string key, object value) =>
        new(sequence, "other", sequence, [new SetValue(key, Json(value))]);

    [Fact]
    public async Task A_rejected_change__is_rolled_back_and_later_pending_changes_stay_applied_on_top()
    {
        var first = await _document.SetAsync("a", Json(1));
        var rejected = await _document.SetAsync("b", Json(2));
        var third = await _document.SetAsync("c", Json(3));
        ChangeRejectedException? raised = null;
        _document.Rejected += (_, e) => raised = e.Exception;

        _document.OnReject(new RejectFrame("doc", rejected.ClientSequence, "invalid_change", "b is read-only"));

        Assert.False(_document.State.ContainsKey("b"));
        Assert.Equal(1, _document.State["a"].GetInt32());
        Assert.Equal(3, _document.State["c"].GetInt32());
        Assert.Equal(2, _document.PendingCount);
        Assert.Equal("invalid_change", raised?.ErrorCode);
        var exception = await Assert.ThrowsAsync<ChangeRejectedException>(() => rejected.Acknowledged);
        Assert.Equal("b is read-only", exception.Message);
        Assert.Equal(DocumentChangeKind.RolledBack, _events[^1].Kind);
        Assert.False(first.Acknowledged.IsCompleted);
        Assert.False(third.Acknowledged.IsCompleted);
    }

    [Fact]
    public async Task A_change_a_client_rule_refuses__throws_and_is_never_shown_or_sent()
    {
        var document = new ConvergeDocument("doc", Me, _sink, NullLogger.Instance,
            [(_, state, operations) => operations.OfType<IncrementValue>().Any(i => state.GetCounter(i.Key) + i.By < 0) ? "votes cannot go below zero" : null]);
        var changes = 0;
        document.Changed += (_, _) => changes++;
        document.BeginSubscription();
        await document.IncrementAsync("votes");

        var refused = await Assert.ThrowsAsync<ChangeRejectedException>(async () => await document.IncrementAsync("votes", -2));

        Assert.Equal(ErrorCodes.ValidationFailed, refused.ErrorCode);
        Assert.Equal("votes cannot go below zero", refused.Message);
        Assert.Equal(1, document.State.GetCounter("votes"));
        Assert.Equal(1, document.PendingCount);
        Assert.Equal(1, changes);
        Assert.Single(_sink.Frames.OfType<PushFrame>());
    }

    [Fact]
    public async Task A_snapshot_in_parts__changes_nothing_until_the_last_part_and_reports_progress()
    {
        var document = new ConvergeDocument("doc", Me, _sink, NullLogger.Instance);
        var progress = new List<(long, long)>();
        var states = 0;
        document.SyncProgress += (_, e) => progress.Add((e.Received, e.Total));
        document.Changed += (_, _) => states++;
        document.BeginSubscription();
        await document.SetAsync("mine", Json(true));
        states = 0;

        document.OnSnapshot(new SnapshotFrame("doc", 7, [new SetValue("a", Json(1)), new SetValue("b", Json(2))], 0, 5));
        document.OnSnapshot(new SnapshotFrame("doc", 7, [new SetValue("c", Json(3)), new SetValue("d", Json(4))], 2, 5));
        Assert.Equal(0, states);
        Assert.Equal(0, document.Sequence);
        Assert.Equal(["mine"], document.State.Keys);
        Assert.Equal(DocumentStatus.Loading, document.Status);

        document.OnSnapshot(new SnapshotFrame("doc", 7, [new SetValue("e", Json(5))], 4, 5));
        Assert.Equal(1, states);
        Assert.Equal(7, document.Sequence);
        Assert.Equal(["a", "b", "c", "d", "e", "mine"], document.State.Keys);
        Assert.Equal([(2L, 5L), (4L, 5L), (5L, 5L)], progress);
    }

    [Fact]
    public void A_snapshot_part_out_of_line__is_dropped_and_the_document_asked_for_again()
    {
        var document = new ConvergeDocument("doc", Me, _sink, NullLogger.Instance);
        document.BeginSubscription();
        document.OnSnapshot(new SnapshotFrame("doc", 7, [new SetValue("a", Json(1))], 0, 3));
        document.OnSnapshot(new SnapshotFrame("doc", 7, [new SetValue("c", Json(3))], 2, 3));

        Assert.Empty(document.State);
        Assert.Equal(0, Assert.IsType<SubscribeFrame>(_sink.Frames[^1]).Since);
    }

    [Fact]
    public async Task Counters_and_sets__rebase_over_remote_changes_without_losing_either_side()
    {
        await _document.IncrementAsync("votes", 2);
        await _document.AddToSetAsync("tags", "mine");
        _document.OnChanges(new ChangesFrame("doc",
            [new ServerChange(1, "other", 1, [new IncrementValue("votes", 5), new AddToSet("tags", "theirs", "t-other")])]));

        Assert.Equal(7, _document.State.GetCounter("votes"));
        Assert.Equal(["mine", "theirs"], _document.State.GetSet("tags"));
        Assert.Equal(5, _document.ConfirmedState.GetCounter("votes"));

        // Removing sends only the tags this client has seen: here the remote one.
        await _document.RemoveFromSetAsync("tags", "theirs");
        var removal = _sink.Frames.OfType<PushFrame>().Last().Changes[0].Operations.OfType<RemoveFromSet>().Single();
        Assert.Equal(["t-other"], removal.Tags);
        Assert.Equal(["mine"], _document.State.GetSet("tags"));
        var nothing = await _document.RemoveFromSetAsync("tags", "absent");
        Assert.True(nothing.Acknowledged.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Remote_changes_while_local_ones_are_pending__apply_to_confirmed_state_with_pending_rebased_on_top()
    {
        await _document.SetAsync("title", Json("mine"));
        _document.OnChanges(new ChangesFrame("doc", [Remote(1, "title", "theirs"), Remote(2, "other", true)]));

        Assert.Equal("theirs", _document.ConfirmedState["title"].GetString());
        Assert.Equal("mine", _document.State["title"].GetString());
        Assert.True(_document.State["other"].GetBoolean());
        Assert.Equal(2, _document.Sequence);

        _document.OnAck(new AckFrame("doc", 1, 3));
        Assert.Equal("mine", _document.ConfirmedState["title"].GetString());
        Assert.Equal(0, _document.PendingCount);
        Assert.Equal(3, _document.Sequence);
    }

    [Fact]
    public void Each_state_change__raises_exactly_one_event_with_a_consistent_state()
    {
        _document.OnChanges(new ChangesFrame("doc", [Remote(1, "a", 1), Remote(2, "b", 2), Remote(3, "c", 3)]));

        var changed = Assert.Single(_events);
        Assert.Equal(DocumentChangeKind.Remote, changed.Kind);
        Assert.Equal(3, changed.State.Count);
        Assert.Equal(3, changed.Sequence);
    }

    [Fact]
    public void Out_of_order_changes__are_buffered_until_the_gap_fills_and_the_gap_asks_for_a_replay()
    {
        _document.OnChanges(new ChangesFrame("doc", [Remote(3, "c", 3)]));
        Assert.Equal(0, _document.Sequence);
        var replay = Assert.IsType<SubscribeFrame>(Assert.Single(_sink.Frames));
        Assert.Equal(0, replay.Since);

        _document.OnChanges(new ChangesFrame("doc", [Remote(1, "a", 1), Remote(2, "b", 2)]));
        Assert.Equal(3, _document.Sequence);
        Assert.Equal(3, _document.State.Count);
    }

    [Fact]
    public void Duplicate_changes__are_applied_once()
    {
        _document.OnChanges(new ChangesFrame("doc", [Remote(1, "n", 1)]));
        _document.OnChanges(new ChangesFrame("doc", [Remote(1, "n", 99), Remote(2, "m", 2)]));

        Assert.Equal(1, _document.State["n"].GetInt32());
        Assert.Equal(2, _document.Sequence);
    }

    [Fact]
    public async Task Our_own_change_arriving_in_a_replay__settles_it_and_a_late_duplicate_ack_is_ignored()
    {
        var receipt = await _document.SetAsync("k", Json("v"));
        _document.OnDisconnected();
        _document.BeginSubscription();

        _document.OnChanges(new ChangesFrame("doc", [new ServerChange(1, Me, receipt.ClientSequence, [new SetValue("k", Json("v"))])]));
        Assert.Equal(1, await receipt.Acknowledged);
        Assert.Equal(0, _document.PendingCount);

        _document.OnAck(new AckFrame("doc", receipt.ClientSequence, 1));
        Assert.Equal(1, _document.Sequence);
        Assert.Equal("v", _document.ConfirmedState["k"].GetString());
    }

    [Fact]
    public async Task Invalid_operations__are_refused_with_a_typed_exception_and_change_nothing()
    {
        await Assert.ThrowsAsync<ChangeRejectedException>(async () => await _document.SetAsync("", Json(1)));
        await Assert.ThrowsAsync<ChangeRejectedException>(async () => await _document.ApplyAsync([]));
        await Assert.ThrowsAsync<ChangeRejectedException>(async () => await _document.SetAsync(new string('k', 2000), Json(1)));

        Assert.Empty(_events);
        Assert.Equal(0, _document.PendingCount);
        Assert.Empty(_sink.Frames);
    }

    [Fact]
    public async Task Changes_made_offline__are_all_sent_on_the_next_connection_in_order()
    {
        _document.OnDisconnected();
        await _document.SetAsync("a", Json(1));
        await _document.RemoveAsync("a");
        Assert.Empty(_sink.Frames);

        _document.BeginSubscription();
        var unsent = _document.TakeUnsent(int.MaxValue, out _);
        Assert.Equal([1L, 2L], unsent.Select(static c => c.ClientSeq));
        Assert.All(unsent, static c => Assert.Equal(Me, c.ClientId));
        Assert.Empty(_document.TakeUnsent(int.MaxValue, out _));
    }

    [Fact]
    public void An_event_handler_that_throws__does_not_stop_the_document()
    {
        _document.Changed += (_, _) => throw new InvalidOperationException("app bug");
        _document.OnChanges(new ChangesFrame("doc", [Remote(1, "a", 1)]));
        _document.OnChanges(new ChangesFrame("doc", [Remote(2, "b", 2)]));
        Assert.Equal(2, _document.Sequence);
    }

    private sealed class RecordingSink : IFrameSink
    {
        public List<Frame> Frames { get; } = [];

        public bool TrySend(Frame frame)
        {
            Frames.Add(frame);
            return true;
        }

        // A zero flush window: every change goes out at once, in its own frame.
        public void ScheduleFlush(ConvergeDocument document) => Frames.Add(new PushFrame(document.Id, document.TakeUnsent(int.MaxValue, out _)));
    }
}

public sealed class PushBatchesTests
{
    private static Converge.Protocol.Frames.ClientChange Change(long seq, int valueBytes) =>
        new("me", seq, [new Converge.Model.Documents.SetValue("k", System.Text.Json.JsonSerializer.SerializeToElement(new string('x', valueBytes)))]);

    [Fact]
    public void Pending_changes__split_by_count_and_by_the_servers_frame_size()
    {
        var small = Enumerable.Range(1, 150).Select(i => Change(i, 10)).ToArray();
        Assert.Equal([64, 64, 22], Converge.Client.Connection.PushBatches.Split(small, 64, 1 << 20).Select(b => b.Length));

        var large = Enumerable.Range(1, 10).Select(i => Change(i, 300_000)).ToArray();
        var batches = Converge.Client.Connection.PushBatches.Split(large, 64, 1 << 20).ToArray();
        Assert.All(batches, b => Assert.True(b.Sum(c => 300_000) <= 1 << 20));
        Assert.Equal(large.Select(c => c.ClientSeq), batches.SelectMany(b => b).Select(c => c.ClientSeq));
    }
}
