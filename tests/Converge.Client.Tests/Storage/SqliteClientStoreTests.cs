using System.Text.Json;
using Converge.Client.Storage;
using Converge.Model.Documents;

namespace Converge.Client.Tests.Storage;

/// <summary>The SQLite store on its own: round trips, identity, exclusivity, crash safety, corrupt rows, quota.</summary>
public sealed class SqliteClientStoreTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private readonly StoreFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static JsonElement Json(object value) => JsonSerializer.SerializeToElement(value);

    private static StoredChange Change(long clientSeq, string key) =>
        new(clientSeq, [new SetValue(key, Json(clientSeq)), new IncrementValue("count", 1), new AddToSet("tags", key, $"t{clientSeq}")]);

    [Fact]
    public async Task Identity__is_created_once_kept_across_reopens_and_adopted_from_the_options_for_a_new_store()
    {
        string id;
        await using (var store = _files.Open())
        {
            id = store.ClientId;
            Assert.Equal(32, id.Length);
        }

        await using (var reopened = _files.Open())
        {
            Assert.Equal(id, reopened.ClientId);
        }

        await using (var same = _files.Open(id))
        {
            Assert.Equal(id, same.ClientId);
        }

        var mismatch = Assert.Throws<ClientStoreException>(() => _files.Open("someone-else"));
        Assert.Equal(ClientStoreException.IdentityMismatch, mismatch.ErrorCode);

        using var other = new StoreFiles();
        await using var adopted = other.Open("alice");
        Assert.Equal("alice", adopted.ClientId);
    }

    [Fact]
    public async Task A_second_store_on_the_same_file__is_refused_while_the_first_is_open()
    {
        await using (var first = _files.Open())
        {
            var refused = Assert.Throws<ClientStoreException>(() => _files.Open());
            Assert.Equal(ClientStoreException.InUse, refused.ErrorCode);
        }

        await using var after = _files.Open();
    }

    [Fact]
    public void A_file_that_is_not_a_store__is_refused_with_a_typed_error()
    {
        File.WriteAllText(_files.Path, new string('x', 8192));
        var error = Assert.Throws<ClientStoreException>(() => _files.Open());
        Assert.Equal(ClientStoreException.Unavailable, error.ErrorCode);
    }

    [Fact]
    public async Task Outbox_snapshot_and_counter__round_trip_through_a_reopen()
    {
        var state = JsonMap.Empty.Apply([new SetValue("title", Json("Sprint 12")), new IncrementValue("votes", 3), new AddToSet("tags", "x", "t0")]);
        await using (var store = _files.Open())
        {
            var fresh = store.Load("doc", Now);
            Assert.Equal((1L, null, 0), (fresh.NextClientSeq, fresh.Snapshot, fresh.Outbox.Count));
            store.AppendChange("doc", Change(1, "a"));
            store.AppendChange("doc", Change(2, "b"));
            store.AppendChange("doc", Change(3, "c"));
            // Change 1 was acknowledged and is part of the state at sequence 7: it leaves the outbox with the snapshot.
            store.SaveSnapshot("doc", 7, state, [1], Now);
        }

        await using var reopened = _files.Open();
        var stored = reopened.Load("doc", Now);
        Assert.Equal(4, stored.NextClientSeq);
        Assert.Equal(7, stored.Snapshot!.Sequence);
        Assert.True(state.ContentEquals(stored.Snapshot.State));
        Assert.Equal([2L, 3L], stored.Outbox.Select(static c => c.ClientSeq));
        var expected = JsonMap.Empty.Apply(Change(2, "b").Operations);
        Assert.True(expected.ContentEquals(JsonMap.Empty.Apply(stored.Outbox[0].Operations)), "operations of every kind survive the encoding");
        Assert.Equal(1, reopened.Load("other", Now).NextClientSeq);
    }

    [Fact]
    public async Task An_older_snapshot__never_replaces_a_newer_one()
    {
        await using var store = _files.Open();
        store.SaveSnapshot("doc", 9, JsonMap.Empty.Apply([new SetValue("v", Json(9))]), [], Now);
        store.SaveSnapshot("doc", 4, JsonMap.Empty.Apply([new SetValue("v", Json(4))]), [], Now);
        var stored = store.Load("doc", Now);
        Assert.Equal(9, stored.Snapshot!.Sequence);
        Assert.Equal(9, stored.Snapshot.State["v"].GetInt32());
    }

    [Fact]
    public async Task Removed_changes__leave_the_outbox_but_their_sequences_stay_used()
    {
        await using (var store = _files.Open())
        {
            store.AppendChange("doc", Change(1, "a"));
            store.AppendChange("doc", Change(2, "b"));
            store.RemoveChanges("doc", [1, 2]);
        }

        await using var reopened = _files.Open();
        var stored = reopened.Load("doc", Now);
        Assert.Empty(stored.Outbox);
        Assert.Equal(3, stored.NextClientSeq);
    }

    [Fact]
    public async Task Corrupt_rows__are_dropped_and_logged_never_thrown_and_the_sequence_jumps_past_anything_used()
    {
        await using (var store = _files.Open())
        {
            store.AppendChange("doc", Change(1, "a"));
            store.AppendChange("doc", Change(2, "b"));
            store.AppendChange("doc", Change(3, "c"));
            store.SaveSnapshot("doc", 5, JsonMap.Empty.Apply([new SetValue("k", Json(1))]), [], Now);
        }

        _files.Execute("UPDATE outbox SET operations = $junk WHERE client_seq = 2", ("$junk", new byte[] { 0x7B, 0x22, 0xFF }));
        _files.Execute("UPDATE outbox SET operations = $junk WHERE client_seq = 3", ("$junk", "not even a blob"));
        _files.Execute("UPDATE documents SET snapshot = $junk", ("$junk", System.Text.Encoding.UTF8.GetBytes("""[{"op":"set","key":"","value":1}]""")));
        _files.Execute("UPDATE client_sequences SET next_client_seq = 'garbage'");

        var logs = new CapturingLogger();
        await using (var store = _files.Open(logger: logs))
        {
            var stored = store.Load("doc", Now);
            Assert.Equal([1L], stored.Outbox.Select(static c => c.ClientSeq));
            Assert.Null(stored.Snapshot);
            Assert.Equal(2 + SqliteClientStore.SequenceRecoveryGap, stored.NextClientSeq);
        }

        var corrupt = logs.Exceptions("ClientStoreCorruptRow").ToArray();
        Assert.Equal(3, corrupt.Length);
        Assert.All(corrupt, static e => Assert.Equal(ClientStoreException.Corrupt, Assert.IsType<ClientStoreException>(e).ErrorCode));
        Assert.Single(logs.Exceptions("ClientStoreSequenceRecovered"));

        // Dropped for good: the next open is clean and keeps the recovered counter.
        var clean = new CapturingLogger();
        await using var again = _files.Open(logger: clean);
        Assert.Equal(2 + SqliteClientStore.SequenceRecoveryGap, again.Load("doc", Now).NextClientSeq);
        Assert.Empty(clean.Exceptions("ClientStoreCorruptRow"));
    }

    [Fact]
    public async Task A_corrupt_client_id__is_replaced_and_the_outbox_tied_to_it_dropped()
    {
        await using (var store = _files.Open())
        {
            store.AppendChange("doc", Change(1, "a"));
            store.SaveSnapshot("doc", 3, JsonMap.Empty.Apply([new SetValue("k", Json(1))]), [], Now);
        }

        _files.Execute("UPDATE meta SET value = '' WHERE key = 'client_id'");
        var logs = new CapturingLogger();
        await using var reopened = _files.Open(logger: logs);
        Assert.Equal(32, reopened.ClientId.Length);
        var stored = reopened.Load("doc", Now);
        Assert.Empty(stored.Outbox);
        Assert.Equal(3, stored.Snapshot!.Sequence);
        Assert.Single(logs.Exceptions("ClientStoreIdentityReplaced"));
    }

    [Fact]
    public async Task Over_quota__the_least_recently_used_documents_without_pending_changes_go_first_and_counters_stay()
    {
        var body = JsonMap.Empty.Apply([new SetValue("body", Json(new string('x', 1000)))]);
        await using var store = _files.Open();
        // "pending" is the oldest, but it has a change in the outbox.
        foreach (var (id, minute) in new[] { ("pending", 0), ("a", 1), ("b", 2), ("kept", 3), ("c", 4) })
        {
            store.Load(id, Now.AddMinutes(minute));
            store.SaveSnapshot(id, 1, body, [], Now.AddMinutes(minute));
        }

        store.AppendChange("pending", Change(1, "p"));
        store.AppendChange("a", Change(1, "a"));
        store.RemoveChanges("a", [1]);
        var before = store.CachedBytes;
        Assert.Empty(store.EnforceQuota(before, new HashSet<string>()));

        var evicted = store.EnforceQuota(before - 1500, new HashSet<string> { "kept" });
        Assert.Equal(["a", "b"], evicted);
        Assert.True(store.CachedBytes <= before - 1500);
        Assert.NotNull(store.Load("pending", Now).Snapshot);
        Assert.NotNull(store.Load("kept", Now).Snapshot);
        Assert.Null(store.Load("a", Now).Snapshot);
        Assert.Equal(2, store.Load("a", Now).NextClientSeq);

        // Only protected documents left to evict: the store stays over a quota it cannot meet rather than drop them.
        Assert.Equal(["c"], store.EnforceQuota(1024, new HashSet<string> { "kept" }));
        Assert.NotNull(store.Load("pending", Now).Snapshot);
        Assert.NotNull(store.Load("kept", Now).Snapshot);
    }
}
