using Converge.Protocol.Frames;
using Converge.Server.Tests.Storage;
using static Converge.Server.Tests.Storage.AuthorityHarness;

namespace Converge.Server.Tests.Authority;

/// <summary>
/// The snapshot's <see cref="SnapshotFrame.ClientSeq"/>: which of the subscriber's own changes the snapshot's state
/// holds, so that its client stops showing them on top of it. Its edits shown twice break its OT text chain.
/// </summary>
public sealed class SnapshotClientSeqTests : IAsyncLifetime
{
    private StoreTarget _target = null!;
    private RecordingStore _store = null!;

    public async ValueTask InitializeAsync() => _target = await StoreTarget.CreateAsync(StoreKind.Sqlite);

    public async ValueTask DisposeAsync()
    {
        if (_target is not null)
        {
            await _target.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_resubscribe_handled_with_the_clients_next_push_in_the_open_group__names_the_clients_committed_changes()
    {
        var (snapshot, ack) = await ResubscribeWithAPushInTheOpenGroupAsync(committedBefore: 1);

        Assert.Equal(2, snapshot.Sequence);
        // Change 1 is in the snapshot's state; change 2 is not (it commits after it, as sequence 3).
        Assert.Equal(1, snapshot.ClientSeq);
        Assert.Equal((2L, 3L), (ack.ClientSeq, ack.Sequence));
    }

    [Fact]
    public async Task A_snapshot_for_a_client_with_no_committed_change__names_none()
    {
        var (snapshot, ack) = await ResubscribeWithAPushInTheOpenGroupAsync(committedBefore: 0);

        Assert.Equal((1L, (long?)null), (snapshot.Sequence, snapshot.ClientSeq));
        Assert.Equal((1L, 2L), (ack.ClientSeq, ack.Sequence));
    }

    // The client commits `committedBefore` changes; then, while the authority waits on another client's commit, it pushes
    // its next change and asks for the document again (a client that lost its stream does both at once), so the two are
    // handled in one group. Returns the snapshot it gets and the ack of that push.
    private async Task<(SnapshotFrame Snapshot, AckFrame Ack)> ResubscribeWithAPushInTheOpenGroupAsync(int committedBefore)
    {
        await using var server = await AuthorityHarness.StartAsync(_target, static _ => { },
            decorate: store => _store = new RecordingStore(store) { ConcurrentTransactionsOverride = 1 });
        var mine = await server.ConnectAsync("mine", "doc");
        var other = await server.ConnectAsync("other", "doc");
        await NextAsync<SubscribedFrame>(mine);
        await NextAsync<SubscribedFrame>(other);
        for (var clientSeq = 1; clientSeq <= committedBefore; clientSeq++)
        {
            Assert.Equal(clientSeq, await PushAndAckAsync(mine, "doc", clientSeq, "a", clientSeq));
        }

        var holding = _store.HoldNextTransaction();
        await other.HandleAsync(Push("doc", "other", 1, "b", 1), CancellationToken.None);
        await holding.WaitAsync(TimeSpan.FromSeconds(20));
        try
        {
            await mine.HandleAsync(Push("doc", "mine", committedBefore + 1, "a", 0), CancellationToken.None);
            await mine.HandleAsync(new SubscribeFrame("doc", 0), CancellationToken.None);
        }
        finally
        {
            _store.Release();
        }

        return (await NextAsync<SnapshotFrame>(mine), await NextAsync<AckFrame>(mine));
    }
}
