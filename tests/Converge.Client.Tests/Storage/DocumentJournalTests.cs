using System.Text.Json;
using Converge.Client.Documents;
using Converge.Client.Storage;
using Converge.Model.Documents;
using Converge.Protocol.Frames;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Converge.Client.Tests.Storage;

/// <summary>A document journaled to a real store on fake time: what is written when, and restoring from it.</summary>
public sealed class DocumentJournalTests : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private readonly StoreFiles _files = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
    private readonly Sink _sink = new();
    private SqliteClientStore _store;
    private LocalStore _local;

    public DocumentJournalTests()
    {
        _store = _files.Open();
        _local = Local(_store);
    }

    public async ValueTask DisposeAsync()
    {
        await _local.DisposeAsync();
        _files.Dispose();
    }

    private static JsonElement Json(object value) => JsonSerializer.SerializeToElement(value);

    private LocalStore Local(SqliteClientStore store, int changeCount = 500) =>
        new(store, new LocalStoreOptions { Path = _files.Path, SnapshotInterval = Interval, SnapshotChangeCount = changeCount }, _time, NullLoggerFactory.Instance);

    private ConvergeDocument Open(string id = "doc")
    {
        var document = new ConvergeDocument(id, _store.ClientId, _sink, NullLogger.Instance);
        _local.Attach(document, _local.Load(id));
        return document;
    }

    private static ConvergeDocument Synced(ConvergeDocument document, long sequence = 3)
    {
        document.BeginSubscription();
        document.OnSnapshot(new SnapshotFrame(document.Id, sequence, [new SetValue("title", Json("server"))]));
        document.OnSubscribed(new SubscribedFrame(document.Id, sequence));
        return document;
    }

    private static ServerChange Remote(long sequence) => new(sequence, "other", sequence, [new SetValue($"r{sequence}", Json(sequence))]);

    private StoredDocument Stored(string id = "doc") => _store.Load(id, _time.GetUtcNow());

    private async Task UntilStoredAsync(Func<StoredDocument, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition(Stored()))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the store never showed: {what}");
            await Task.Yield();
        }
    }

    [Fact]
    public async Task A_change__is_in_the_outbox_before_its_receipt_is_returned()
    {
        var document = Synced(Open());
        var receipt = await document.SetAsync("k", Json(1));
        var stored = Stored();
        Assert.Equal([receipt.ClientSequence], stored.Outbox.Select(static c => c.ClientSeq));
        Assert.Equal(receipt.ClientSequence + 1, stored.NextClientSeq);
    }

    [Fact]
    public async Task Ready__writes_the_state_at_once_then_changes_wait_for_the_snapshot_interval()
    {
        var document = Synced(Open());
        Assert.Equal(3, Stored().Snapshot!.Sequence);

        document.OnChanges(new ChangesFrame("doc", [Remote(4), Remote(5)]));
        _time.Advance(Interval - TimeSpan.FromMilliseconds(1));
        await Task.Yield();
        Assert.Equal(3, Stored().Snapshot!.Sequence);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        await UntilStoredAsync(static s => s.Snapshot!.Sequence == 5, "the state at sequence 5");
        Assert.True(Stored().Snapshot!.State.ContentEquals(document.ConfirmedState));
    }

    [Fact]
    public async Task After_snapshot_change_count_changes__the_state_is_written_without_waiting_for_the_interval()
    {
        await _local.DisposeAsync();
        _store = _files.Open();
        _local = Local(_store, changeCount: 3);
        var document = Synced(Open());
        document.OnChanges(new ChangesFrame("doc", [Remote(4)]));
        document.OnChanges(new ChangesFrame("doc", [Remote(5)]));
        document.OnChanges(new ChangesFrame("doc", [Remote(6)]));
        await UntilStoredAsync(static s => s.Snapshot!.Sequence == 6, "the state at sequence 6, on fake time that never moved");
    }

    [Fact]
    public async Task Acknowledged_changes_leave_the_outbox_with_the_state_that_includes_them__rejected_ones_at_once()
    {
        var document = Synced(Open());
        var first = await document.SetAsync("a", Json(1));
        var second = await document.SetAsync("b", Json(2));
        var third = await document.SetAsync("c", Json(3));

        document.OnAck(new AckFrame("doc", first.ClientSequence, 4));
        Assert.Equal(4, await first.Acknowledged);
        Assert.Equal(3, Stored().Outbox.Count);

        document.OnReject(new RejectFrame("doc", second.ClientSequence, "validation_failed", "no"));
        Assert.Equal([first.ClientSequence, third.ClientSequence], Stored().Outbox.Select(static c => c.ClientSeq));

        _time.Advance(Interval);
        await UntilStoredAsync(static s => s.Snapshot!.Sequence == 4, "the state at sequence 4");
        var stored = Stored();
        Assert.Equal([third.ClientSequence], stored.Outbox.Select(static c => c.ClientSeq));
        Assert.Equal(1, stored.Snapshot!.State["a"].GetInt32());
    }

    [Fact]
    public async Task A_restored_document__is_stale_with_its_outbox_on_top_continues_its_sequence_and_becomes_ready()
    {
        var first = Synced(Open(), sequence: 5);
        await first.SetAsync("title", Json("mine"));
        await _local.DisposeAsync();

        _store = _files.Open();
        _local = Local(_store);
        var events = new List<DocumentChangedEventArgs>();
        var document = Open();
        document.Changed += (_, e) => events.Add(e);

        Assert.Equal(DocumentStatus.Stale, document.Status);
        Assert.Equal(5, document.Sequence);
        Assert.Equal(1, document.PendingCount);
        Assert.Equal("mine", document.State["title"].GetString());
        Assert.Equal("server", document.ConfirmedState["title"].GetString());

        Assert.Equal(5, document.BeginSubscription().Since);
        Assert.Equal([1L], document.TakeUnsent(int.MaxValue, out _).Select(static c => c.ClientSeq));
        Assert.Equal(2, (await document.SetAsync("more", Json(true))).ClientSequence);

        document.OnChanges(new ChangesFrame("doc", [Remote(6), new ServerChange(7, _store.ClientId, 1, [new SetValue("title", Json("mine"))])]));
        Assert.Equal(1, document.PendingCount);
        document.OnSubscribed(new SubscribedFrame("doc", 7));
        Assert.Equal(DocumentStatus.Ready, document.Status);
        Assert.Equal([DocumentStatus.Stale, DocumentStatus.Stale, DocumentStatus.Ready], events.Select(static e => e.Status));
        Assert.Equal(7, Stored().Snapshot!.Sequence);
    }

    [Fact]
    public async Task Reopened_after_the_store_was_closed_without_a_flush__every_receipted_change_is_there()
    {
        var document = Synced(Open());
        var receipts = new List<long>();
        for (var i = 0; i < 20; i++)
        {
            receipts.Add((await document.IncrementAsync("count")).ClientSequence);
        }

        document.OnChanges(new ChangesFrame("doc", [Remote(4)]));
        // As if the process died: the store closes, no journal flush, no snapshot timer ever fired.
        await _store.DisposeAsync();

        await using var reopened = _files.Open();
        var stored = reopened.Load("doc", _time.GetUtcNow());
        Assert.Equal(receipts, stored.Outbox.Select(static c => c.ClientSeq));
        Assert.Equal(3, stored.Snapshot!.Sequence);
        Assert.Equal(21, stored.NextClientSeq);
    }

    [Fact]
    public async Task A_change_the_store_cannot_write__is_refused_with_a_typed_error_and_not_applied()
    {
        var document = Synced(Open());
        await _store.DisposeAsync();

        var error = await Assert.ThrowsAsync<ClientStoreException>(async () => await document.SetAsync("k", Json(1)));
        Assert.Equal(ClientStoreException.WriteFailed, error.ErrorCode);
        Assert.Equal(0, document.PendingCount);
        Assert.False(document.State.ContainsKey("k"));
    }

    private sealed class Sink : IFrameSink
    {
        public bool TrySend(Frame frame) => true;

        public void ScheduleFlush(ConvergeDocument document) => document.TakeUnsent(int.MaxValue, out _);
    }
}
