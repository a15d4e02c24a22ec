using System.Text.Json;
using Converge.Model.Documents;
using Converge.Protocol.Frames;
using Converge.Server.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Converge.Server.Tests.Storage;

public sealed class SqliteChangeStoreTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "converge-store-tests", Guid.NewGuid().ToString("N"));
    private SqliteChangeStore _store = null!;

    private string DatabasePath => Path.Combine(_directory, "nested", "log.db");

    public async ValueTask InitializeAsync()
    {
        _store = new SqliteChangeStore(DatabasePath, NullLogger<SqliteChangeStore>.Instance);
        await _store.InitializeAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private static ServerChange Change(long sequence, string client = "c", long? clientSeq = null) =>
        new(sequence, client, clientSeq ?? sequence, [new SetValue("k", JsonSerializer.SerializeToElement(sequence))]);

    [Fact]
    public async Task Appended_changes__read_back_in_sequence_order_from_any_cursor()
    {
        await _store.AppendAsync("doc", [Change(1), Change(2), Change(3)], CancellationToken.None);
        await _store.AppendAsync("other", [Change(1)], CancellationToken.None);

        var all = await _store.ReadAsync("doc", 0, 100, CancellationToken.None);
        var tail = await _store.ReadAsync("doc", 1, 1, CancellationToken.None);

        Assert.Equal([1L, 2L, 3L], all.Select(static c => c.Sequence));
        Assert.Equal(2, Assert.Single(tail).Sequence);
        Assert.Equal(3, all[2].Operations.OfType<SetValue>().Single().Value.GetInt64());
    }

    [Fact]
    public async Task A_change_is_found_by_its_idempotency_key()
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

        await Assert.ThrowsAsync<SqliteException>(async () =>
            await _store.AppendAsync("doc", [Change(2, "alice", 2), Change(3, "alice", 1)], CancellationToken.None));
        await Assert.ThrowsAsync<SqliteException>(async () =>
            await _store.AppendAsync("doc", [Change(1, "bob", 1)], CancellationToken.None));

        Assert.Single(await _store.ReadAsync("doc", 0, 100, CancellationToken.None));
    }

    [Fact]
    public async Task The_log__survives_reopening_the_file_and_uses_wal()
    {
        await _store.AppendAsync("doc", [Change(1), Change(2)], CancellationToken.None);
        await _store.DisposeAsync();

        _store = new SqliteChangeStore(DatabasePath, NullLogger<SqliteChangeStore>.Instance);
        await _store.InitializeAsync(CancellationToken.None);

        Assert.Equal(2, (await _store.ReadAsync("doc", 0, 100, CancellationToken.None)).Count);
        await using var connection = new SqliteConnection($"Data Source={DatabasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
    }
}
