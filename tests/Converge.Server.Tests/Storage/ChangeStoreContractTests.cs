using System.Data.Common;
using System.Text.Json;
using Converge.Model.Documents;
using Converge.Protocol.Frames;
using Converge.Server.Storage;

namespace Converge.Server.Tests.Storage;

/// <summary>
/// What every <see cref="IChangeStore"/> must do, run once per store (like System.Threading.Channels' ChannelTestBase):
/// append and read, idempotency keys, checkpoints, truncation, and everything surviving a reopen.
/// </summary>
public abstract class ChangeStoreContractTests(StoreKind kind) : IAsyncLifetime
{
    private StoreTarget _target = null!;
    private IChangeStore _store = null!;

    public async ValueTask InitializeAsync()
    {
        _target = await StoreTarget.CreateAsync(kind);
        _store = _target.Open();
        await _store.InitializeAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        if (_target is not null)
        {
            await _target.DisposeAsync();
        }
    }

    private static ServerChange Change(long sequence, string client = "c", long? clientSeq = null) =>
        new(sequence, client, clientSeq ?? sequence, [new SetValue("k", JsonSerializer.SerializeToElement(sequence))]);

    private static DocumentCheckpoint Checkpoint(long sequence, params CheckpointClient[] clients) =>
        new(sequence, [new SetValue("at", JsonSerializer.SerializeToElement(sequence)), new SetValue("name", JsonSerializer.SerializeToElement("ü \"q\""))], clients);

    private async Task ReopenAsync()
    {
        await _store.DisposeAsync();
        _store = _target.Open();
        await _store.InitializeAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Appended_changes__read_back_in_sequence_order_from_any_cursor_per_document()
    {
        await _store.AppendAsync("doc", [Change(1), Change(2), Change(3)], CancellationToken.None);
        await _store.AppendAsync("other", [Change(1)], CancellationToken.None);

        var all = await _store.ReadAsync("doc", 0, 100, CancellationToken.None);
        var tail = await _store.ReadAsync("doc", 1, 1, CancellationToken.None);

        Assert.Equal([1L, 2L, 3L], all.Select(static c => c.Sequence));
        Assert.Equal(2, Assert.Single(tail).Sequence);
        Assert.Equal(3, all[2].Operations.OfType<SetValue>().Single().Value.GetInt64());
        Assert.Single(await _store.ReadAsync("other", 0, 100, CancellationToken.None));
        Assert.Empty(await _store.ReadAsync("none", 0, 100, CancellationToken.None));
    }

    [Fact]
    public async Task A_change_is_found_by_its_idempotency_key__per_document()
    {
        await _store.AppendAsync("doc", [Change(1, "alice", 7)], CancellationToken.None);

        Assert.Equal(1, await _store.FindSequenceAsync("doc", "alice", 7, CancellationToken.None));
        Assert.Null(await _store.FindSequenceAsync("doc", "alice", 8, CancellationToken.None));
        Assert.Null(await _store.FindSequenceAsync("other", "alice", 7, CancellationToken.None));
    }

    [Fact]
    public async Task A_batch_that_repeats_a_key_or_a_sequence__is_refused_whole()
    {
        await _store.AppendAsync("doc", [Change(1, "alice", 1)], CancellationToken.None);

        await Assert.ThrowsAnyAsync<DbException>(async () =>
            await _store.AppendAsync("doc", [Change(2, "alice", 2), Change(3, "alice", 1)], CancellationToken.None));
        await Assert.ThrowsAnyAsync<DbException>(async () =>
            await _store.AppendAsync("doc", [Change(1, "bob", 1)], CancellationToken.None));

        Assert.Single(await _store.ReadAsync("doc", 0, 100, CancellationToken.None));
        // The same key in another document is another key.
        await _store.AppendAsync("other", [Change(1, "alice", 1)], CancellationToken.None);
    }

    [Fact]
    public async Task Batches_of_several_documents__are_appended_in_one_transaction__all_or_none()
    {
        await _store.AppendManyAsync([new DocumentBatch("a", [Change(1), Change(2)]), new DocumentBatch("b", [Change(1)]), new DocumentBatch("c", [])],
            CancellationToken.None);

        await Assert.ThrowsAnyAsync<DbException>(async () => await _store.AppendManyAsync(
            [new DocumentBatch("d", [Change(1)]), new DocumentBatch("a", [Change(2, "x", 9)]), new DocumentBatch("e", [Change(1)])], CancellationToken.None));
        await ReopenAsync();

        Assert.Equal([1L, 2L], (await _store.ReadAsync("a", 0, 100, CancellationToken.None)).Select(static c => c.Sequence));
        Assert.Single(await _store.ReadAsync("b", 0, 100, CancellationToken.None));
        // The refused transaction left nothing of its other batches.
        Assert.Empty(await _store.ReadAsync("d", 0, 100, CancellationToken.None));
        Assert.Empty(await _store.ReadAsync("e", 0, 100, CancellationToken.None));
    }

    [Fact]
    public async Task Concurrent_appends_to_many_documents__are_all_durable_and_gap_free()
    {
        var documents = Enumerable.Range(0, 8).Select(static i => $"doc-{i}").ToArray();
        await Task.WhenAll(documents.Select(async document =>
        {
            for (long sequence = 1; sequence <= 20; sequence += 2)
            {
                await _store.AppendAsync(document, [Change(sequence), Change(sequence + 1)], CancellationToken.None);
            }
        }));
        await ReopenAsync();

        foreach (var document in documents)
        {
            Assert.Equal(Enumerable.Range(1, 20).Select(static i => (long)i), (await _store.ReadAsync(document, 0, 100, CancellationToken.None)).Select(static c => c.Sequence));
        }
    }

    [Fact]
    public async Task A_checkpoint__round_trips_state_head_and_client_progress()
    {
        Assert.Null(await _store.ReadCheckpointAsync("doc", CancellationToken.None));

        await _store.WriteCheckpointAsync("doc", Checkpoint(5, new CheckpointClient("alice", 3, 4), new CheckpointClient("bob", 9, 5)), CancellationToken.None);
        var read = await _store.ReadCheckpointAsync("doc", CancellationToken.None);

        Assert.NotNull(read);
        Assert.Equal(5, read.Sequence);
        Assert.Equal(5, JsonMap.Empty.Apply(read.State)["at"].GetInt64());
        Assert.Equal("ü \"q\"", JsonMap.Empty.Apply(read.State)["name"].GetString());
        Assert.Equal([new CheckpointClient("alice", 3, 4), new CheckpointClient("bob", 9, 5)], read.Clients.OrderBy(static c => c.ClientId));
        Assert.Null(await _store.ReadCheckpointAsync("other", CancellationToken.None));
    }

    [Fact]
    public async Task A_newer_checkpoint_replaces_an_older_one__never_the_reverse()
    {
        await _store.WriteCheckpointAsync("doc", Checkpoint(5), CancellationToken.None);
        await _store.WriteCheckpointAsync("doc", Checkpoint(9, new CheckpointClient("alice", 1, 9)), CancellationToken.None);
        await _store.WriteCheckpointAsync("doc", Checkpoint(7), CancellationToken.None);

        var read = await _store.ReadCheckpointAsync("doc", CancellationToken.None);

        Assert.Equal(9, read!.Sequence);
        Assert.Equal(new CheckpointClient("alice", 1, 9), Assert.Single(read.Clients));
    }

    [Fact]
    public async Task Truncation__deletes_through_the_sequence_and_keeps_the_tail_readable()
    {
        await _store.AppendAsync("doc", [.. Enumerable.Range(1, 10).Select(static i => Change(i, "alice", i))], CancellationToken.None);
        await _store.AppendAsync("other", [Change(1, "alice", 1)], CancellationToken.None);

        Assert.Equal(6, await _store.TruncateAsync("doc", 6, CancellationToken.None));
        Assert.Equal(0, await _store.TruncateAsync("doc", 6, CancellationToken.None));

        Assert.Equal([7L, 8L, 9L, 10L], (await _store.ReadAsync("doc", 0, 100, CancellationToken.None)).Select(static c => c.Sequence));
        Assert.Equal(7, (await _store.ReadAsync("doc", 2, 1, CancellationToken.None))[0].Sequence);
        Assert.Null(await _store.FindSequenceAsync("doc", "alice", 3, CancellationToken.None));
        Assert.Equal(8, await _store.FindSequenceAsync("doc", "alice", 8, CancellationToken.None));
        Assert.Single(await _store.ReadAsync("other", 0, 100, CancellationToken.None));
        // Appending continues after the truncated prefix.
        await _store.AppendAsync("doc", [Change(11, "alice", 11)], CancellationToken.None);
    }

    [Fact]
    public async Task Log_and_checkpoint__survive_reopening_the_store()
    {
        await _store.AppendAsync("doc", [Change(1), Change(2), Change(3)], CancellationToken.None);
        await _store.WriteCheckpointAsync("doc", Checkpoint(2, new CheckpointClient("c", 2, 2)), CancellationToken.None);
        await _store.TruncateAsync("doc", 1, CancellationToken.None);

        await ReopenAsync();
        // Initializing again is harmless (every start does it).
        await _store.InitializeAsync(CancellationToken.None);

        Assert.Equal([2L, 3L], (await _store.ReadAsync("doc", 0, 100, CancellationToken.None)).Select(static c => c.Sequence));
        Assert.Equal(2, (await _store.ReadCheckpointAsync("doc", CancellationToken.None))!.Sequence);
        Assert.Equal(3, await _store.FindSequenceAsync("doc", "c", 3, CancellationToken.None));
    }
}

public sealed class SqliteChangeStoreContractTests() : ChangeStoreContractTests(StoreKind.Sqlite);

public sealed class PostgresChangeStoreContractTests() : ChangeStoreContractTests(StoreKind.Postgres);
