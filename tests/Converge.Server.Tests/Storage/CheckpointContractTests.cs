using System.Text.Json;
using Converge.Model.Documents;
using Converge.Model.Ot;
using Converge.Protocol;
using Converge.Protocol.Frames;
using Converge.Server.Sessions;
using Converge.Server.Storage;
using static Converge.Server.Tests.Storage.AuthorityHarness;

namespace Converge.Server.Tests.Storage;

/// <summary>
/// Checkpoints, log truncation, recovery from checkpoint + tail, idempotency after truncation, passivation and the
/// pending-change limit, on real authorities over each store, on fake time (no test sleeps for timing).
/// </summary>
public abstract class CheckpointContractTests(StoreKind kind) : IAsyncLifetime
{
    private StoreTarget _target = null!;

    public async ValueTask InitializeAsync() => _target = await StoreTarget.CreateAsync(kind);

    public async ValueTask DisposeAsync()
    {
        if (_target is not null)
        {
            await _target.DisposeAsync();
        }
    }

    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    private static async Task<JsonMap> SnapshotAsync(ServerSession session)
    {
        var operations = new List<DocumentOperation>();
        SnapshotFrame part;
        do
        {
            part = await NextAsync<SnapshotFrame>(session);
            operations.AddRange(part.Operations);
        }
        while (!part.IsLast);

        return JsonMap.Empty.Apply(operations);
    }

    [Fact]
    public async Task Every_N_changes__a_checkpoint_with_state_head_and_client_progress_is_written()
    {
        await using var server = await StartAsync(_target, o =>
        {
            o.Storage.CheckpointEveryChanges = 5;
            o.Storage.CheckpointInterval = Hour;
        });
        var alice = await server.ConnectAsync("alice", "doc");
        for (var i = 1; i <= 5; i++)
        {
            Assert.Equal(i, await PushAndAckAsync(alice, "doc", i, "k" + i, i));
        }

        await Eventually.TrueAsync(async () => (await server.Store.ReadCheckpointAsync("doc", CancellationToken.None))?.Sequence == 5, "the checkpoint at 5 is written");
        var checkpoint = await server.Store.ReadCheckpointAsync("doc", CancellationToken.None);

        Assert.Equal(5, JsonMap.Empty.Apply(checkpoint!.State)["k5"].GetInt32());
        Assert.Equal(new CheckpointClient("alice", 5, 5), Assert.Single(checkpoint.Clients));
        // No time passed: only the count triggered it, and nothing was truncated (retention keeps the log).
        Assert.Equal(5, (await server.Store.ReadAsync("doc", 0, 100, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task After_the_interval__a_checkpoint_is_written_for_fewer_changes()
    {
        await using var server = await StartAsync(_target, o =>
        {
            o.Storage.CheckpointEveryChanges = 1000;
            o.Storage.CheckpointInterval = TimeSpan.FromSeconds(30);
        });
        var alice = await server.ConnectAsync("alice", "doc");
        await PushAndAckAsync(alice, "doc", 1, "a", 1);
        await PushAndAckAsync(alice, "doc", 2, "b", 2);
        Assert.Null(await server.Store.ReadCheckpointAsync("doc", CancellationToken.None));

        await server.AdvanceUntilAsync(TimeSpan.FromSeconds(31),
            async () => (await server.Store.ReadCheckpointAsync("doc", CancellationToken.None))?.Sequence == 2, "the timed checkpoint is written");
    }

    [Fact]
    public async Task Behind_an_aged_checkpoint__the_log_is_truncated_to_the_retained_count__old_cursors_get_a_snapshot_recent_ones_a_replay()
    {
        await using var server = await StartAsync(_target, o =>
        {
            o.Storage.CheckpointEveryChanges = 10;
            o.Storage.CheckpointInterval = Hour;
            o.Storage.RetainedChanges = 5;
            o.Storage.LogRetention = TimeSpan.FromMinutes(1);
            o.Storage.PassivateAfter = Hour;
        });
        var alice = await server.ConnectAsync("alice", "doc");
        for (var i = 1; i <= 20; i++)
        {
            await PushAndAckAsync(alice, "doc", i, "k", i);
        }

        await Eventually.TrueAsync(async () => (await server.Store.ReadCheckpointAsync("doc", CancellationToken.None))?.Sequence >= 10, "a checkpoint is written");
        // Not yet old enough: nothing truncated.
        Assert.Equal(1, (await server.Store.ReadAsync("doc", 0, 1, CancellationToken.None))[0].Sequence);

        await server.AdvanceUntilAsync(TimeSpan.FromMinutes(2),
            async () => (await server.Store.ReadAsync("doc", 0, 1, CancellationToken.None))[0].Sequence > 1, "the log is truncated");
        // Retention by count: the last 5 stay whatever the checkpoint.
        Assert.True((await server.Store.ReadAsync("doc", 0, 100, CancellationToken.None)).Count >= 5);
        var first = (await server.Store.ReadAsync("doc", 0, 1, CancellationToken.None))[0].Sequence;

        var old = await server.ConnectAsync("bob", "doc", since: 2);
        Assert.Equal(20, (await SnapshotAsync(old))["k"].GetInt32());
        Assert.Equal(20, (await NextAsync<SubscribedFrame>(old)).Sequence);

        var recent = await server.ConnectAsync("carol", "doc", since: 18);
        var replay = await NextAsync<ChangesFrame>(recent);
        Assert.Equal([19L, 20L], replay.Changes.Select(static c => c.Sequence));
        Assert.True(first <= 16, $"the retained tail starts at {first}");
    }

    [Fact]
    public async Task Recovery__is_the_checkpoint_plus_the_log_tail__with_client_progress_from_the_checkpoint()
    {
        // A log whose first ten changes are gone, and a checkpoint that says something no change does: the state can
        // only come from checkpoint + tail.
        await using (var store = _target.Open())
        {
            await store.InitializeAsync(CancellationToken.None);
            await store.AppendAsync("doc", [.. Enumerable.Range(1, 15).Select(static i =>
                new ServerChange(i, i <= 10 ? "alice" : "bob", i <= 10 ? i : i - 10, [new SetValue("n", JsonSerializer.SerializeToElement(i))]))], CancellationToken.None);
            await store.WriteCheckpointAsync("doc", new DocumentCheckpoint(10,
                [new SetValue("n", JsonSerializer.SerializeToElement(10)), new SetValue("only-in-checkpoint", JsonSerializer.SerializeToElement(true))],
                [new CheckpointClient("alice", 10, 10)]), CancellationToken.None);
            await store.TruncateAsync("doc", 10, CancellationToken.None);
        }

        await using var server = await StartAsync(_target, o => o.Storage.CheckpointEveryChanges = 1000);
        var reader = await server.ConnectAsync("reader", "doc");
        var state = await SnapshotAsync(reader);

        Assert.Equal(15, state["n"].GetInt32());
        Assert.True(state["only-in-checkpoint"].GetBoolean());
        Assert.Equal(15, (await NextAsync<SubscribedFrame>(reader)).Sequence);

        // Idempotency survived the truncation: alice's last key (from the checkpoint) gets its original ack...
        var alice = await server.ConnectAsync("alice", "doc", since: 15);
        await alice.HandleAsync(Push("doc", "alice", 10, "n", 999), CancellationToken.None);
        Assert.Equal(10, (await NextAsync<AckFrame>(alice)).Sequence);
        // ...an older truncated key is recognised as seen and acknowledged at or before the checkpoint, not applied...
        await alice.HandleAsync(Push("doc", "alice", 7, "n", 777), CancellationToken.None);
        var truncatedAck = await NextAsync<AckFrame>(alice);
        Assert.Equal(7, truncatedAck.ClientSeq);
        Assert.InRange(truncatedAck.Sequence, 7, 10);
        // ...and bob's tail key is found in the log.
        var bob = await server.ConnectAsync("bob", "doc", since: 15);
        await bob.HandleAsync(Push("doc", "bob", 3, "n", 333), CancellationToken.None);
        Assert.Equal(13, (await NextAsync<AckFrame>(bob)).Sequence);

        // A new change continues the sequence without a gap, and nothing above was applied twice.
        Assert.Equal(16, await PushAndAckAsync(alice, "doc", 11, "next", 1));
        var log = await server.Store.ReadAsync("doc", 0, 100, CancellationToken.None);
        Assert.Equal([11L, 12L, 13L, 14L, 15L, 16L], log.Select(static c => c.Sequence));
    }

    [Fact]
    public async Task An_idle_authority__checkpoints_leaves_memory__and_the_next_use_reactivates_it_from_the_store()
    {
        await using var server = await StartAsync(_target, o =>
        {
            o.Storage.CheckpointEveryChanges = 1000;
            o.Storage.CheckpointInterval = Hour;
            o.Storage.PassivateAfter = TimeSpan.FromMinutes(1);
        });
        var alice = await server.ConnectAsync("alice", "doc");
        await PushAndAckAsync(alice, "doc", 1, "a", 1);
        await PushAndAckAsync(alice, "doc", 2, "b", 2);

        // Subscribed: never passivated, however long.
        server.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.True(server.Registry.TryGet("doc", out var active));
        await alice.HandleAsync(new UnsubscribeFrame("doc"), CancellationToken.None);

        await server.AdvanceUntilAsync(TimeSpan.FromMinutes(2), () => Task.FromResult(!server.Registry.TryGet("doc", out _)), "the authority passivates");
        await active.Completion.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(2, (await server.Store.ReadCheckpointAsync("doc", CancellationToken.None))!.Sequence);

        // Reactivated by the next use: same state, same head, idempotency intact, the sequence continues.
        var bob = await server.ConnectAsync("bob", "doc");
        var state = await SnapshotAsync(bob);
        Assert.Equal(2, state.Count);
        Assert.Equal(2, (await NextAsync<SubscribedFrame>(bob)).Sequence);
        Assert.True(server.Registry.TryGet("doc", out var reactivated));
        Assert.NotSame(active, reactivated);
        await alice.HandleAsync(new SubscribeFrame("doc", 2), CancellationToken.None);
        await NextAsync<SubscribedFrame>(alice);
        await alice.HandleAsync(Push("doc", "alice", 2, "b", 2), CancellationToken.None);
        Assert.Equal(2, (await NextAsync<AckFrame>(alice)).Sequence);
        Assert.Equal(3, await PushAndAckAsync(bob, "doc", 1, "c", 3));
    }

    private static async Task<AckFrame> EditAsync(ServerSession session, long clientSeq, string text, int position, string insert, long revision, long? after = null)
    {
        var edit = new EditText("t", TextDelta.ForEdit(text.EnumerateRunes().Count(), position, 0, insert), revision, after);
        await session.HandleAsync(new PushFrame("doc", [new ClientChange(session.ClientId!, clientSeq, [edit])]), CancellationToken.None);
        return await NextAsync<AckFrame>(session);
    }

    [Fact]
    public async Task After_a_passivation__text_edits_based_on_revisions_before_the_checkpoint_are_still_transformed_not_refused()
    {
        await using var server = await StartAsync(_target, o =>
        {
            o.Storage.CheckpointEveryChanges = 1000;
            o.Storage.CheckpointInterval = Hour;
            o.Storage.PassivateAfter = TimeSpan.FromMinutes(1);
        });
        var alice = await server.ConnectAsync("alice", "doc");
        var carol = await server.ConnectAsync("carol", "doc");
        await EditAsync(alice, 1, "", 0, "hello", 0);
        await EditAsync(alice, 2, "hello", 5, " world", 1);
        // Carol has seen only revision 1; her edit is transformed over alice's second, and she keeps no ack of it
        // (offline): her next edit will be chained on it.
        await EditAsync(carol, 1, "hello", 0, "X", 1);

        foreach (var session in new[] { alice, carol })
        {
            await session.HandleAsync(new UnsubscribeFrame("doc"), CancellationToken.None);
        }

        Assert.True(server.Registry.TryGet("doc", out var active));
        await server.AdvanceUntilAsync(TimeSpan.FromMinutes(2), () => Task.FromResult(!server.Registry.TryGet("doc", out _)), "the authority passivates");
        await active.Completion.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(3, (await server.Store.ReadCheckpointAsync("doc", CancellationToken.None))!.Sequence);

        // Reactivated from the checkpoint: carol's chained edit still finds its bridge, bob's edit based on revision 1
        // is still transformed over everything since.
        await carol.HandleAsync(new SubscribeFrame("doc", 3), CancellationToken.None);
        await NextAsync<SubscribedFrame>(carol);
        Assert.Equal(4, (await EditAsync(carol, 2, "Xhello", 1, "!", 1, after: 1)).Sequence);
        var bob = await server.ConnectAsync("bob", "doc", since: 4);
        Assert.Equal(5, (await EditAsync(bob, 1, "hello", 2, ">", 1)).Sequence);

        var viewer = await server.ConnectAsync("viewer", "doc");
        Assert.Equal("X!he>llo world", (await SnapshotAsync(viewer)).GetText("t"));
    }

    [Fact]
    public async Task A_text_edit_that_does_not_fit_the_current_text__is_refused_as_stale_not_acknowledged_as_a_no_op()
    {
        await using var server = await StartAsync(_target, _ => { });
        var alice = await server.ConnectAsync("alice", "doc");
        await EditAsync(alice, 1, "", 0, "hello", 0);

        // Based on the current revision, so nothing is transformed, but made for a 3-code-point text.
        var misfit = new EditText("t", TextDelta.ForEdit(3, 3, 0, "!"), 1);
        await alice.HandleAsync(new PushFrame("doc", [new ClientChange("alice", 2, [misfit])]), CancellationToken.None);
        var reject = await NextAsync<RejectFrame>(alice);
        Assert.Equal((2L, ErrorCodes.StaleChange), (reject.ClientSeq, reject.Code));
        Assert.Contains("3 code points", reject.Reason, StringComparison.Ordinal);

        // Nothing logged for it, and the text goes on from where it was.
        Assert.Equal(2, (await EditAsync(alice, 3, "hello", 5, "!", 1)).Sequence);
        Assert.Equal(2, (await server.Store.ReadAsync("doc", 0, 10, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task A_push_over_the_pending_limit__gets_too_many_pending_and_a_resumable_close__nothing_of_it_applied()
    {
        await using var server = await StartAsync(_target, o => o.MaxPendingChangesPerClient = 64);
        var alice = await server.ConnectAsync("alice", "doc");
        await NextAsync<SubscribedFrame>(alice);
        Assert.Equal(1, await PushAndAckAsync(alice, "doc", 1, "a", 1));

        var tooMany = new PushFrame("doc", [.. Enumerable.Range(2, 65).Select(static i =>
            new ClientChange("alice", i, [new SetValue("k" + i, JsonSerializer.SerializeToElement(i))]))]);
        await alice.HandleAsync(tooMany, CancellationToken.None);

        var error = await NextAsync<ErrorFrame>(alice);
        Assert.Equal(ErrorCodes.TooManyPending, error.Code);
        Assert.NotNull(error.RetryAfterMs);
        Assert.Equal(ConvergeCloseCode.RateLimited, alice.CloseReason!.Code);
        Assert.True(alice.CloseReason.Code.IsResumable());

        // Nothing of it reached the log; a new session pushes the same changes in smaller frames and all are applied.
        Assert.Single(await server.Store.ReadAsync("doc", 0, 100, CancellationToken.None));
        var again = await server.ConnectAsync("alice", "doc", since: 1);
        await again.HandleAsync(tooMany with { Changes = tooMany.Changes.Take(64).ToArray() }, CancellationToken.None);
        await Eventually.TrueAsync(() => Task.FromResult(again.PendingChanges == 0), "the first 64 are answered");
        await again.HandleAsync(tooMany with { Changes = tooMany.Changes.Skip(64).ToArray() }, CancellationToken.None);
        await Eventually.TrueAsync(async () => (await server.Store.ReadAsync("doc", 0, 100, CancellationToken.None)).Count == 66, "all 66 changes are in the log");
        await Eventually.TrueAsync(() => Task.FromResult(again.PendingChanges == 0), "every change is answered");
    }
}

public sealed class SqliteCheckpointContractTests() : CheckpointContractTests(StoreKind.Sqlite);

public sealed class PostgresCheckpointContractTests() : CheckpointContractTests(StoreKind.Postgres);
