using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Converge.Model.Documents;
using Converge.Protocol;
using Converge.Protocol.Frames;
using Converge.Server.Sessions;
using Converge.Server.Storage;
using Converge.Server.Tests.Presence;
using static Converge.Server.Tests.Storage.AuthorityHarness;

namespace Converge.Server.Tests.Storage;

/// <summary>
/// Cross-document group commit (<see cref="GroupCommitter"/>), on real authorities over each store: commit groups of
/// different documents share a transaction, each is acknowledged once and only once durable, and a group the store
/// refuses fails alone. A <see cref="RecordingStore"/> holds one transaction so that the others line up behind it.
/// </summary>
public abstract class GroupCommitTests(StoreKind kind) : IAsyncLifetime
{
    private StoreTarget _target = null!;
    private RecordingStore _store = null!;

    public async ValueTask InitializeAsync() => _target = await StoreTarget.CreateAsync(kind);

    public async ValueTask DisposeAsync()
    {
        if (_target is not null)
        {
            await _target.DisposeAsync();
        }
    }

    // One transaction in flight (PostgreSQL's store allows several), so that everything queued lines up behind a held one.
    private Task<AuthorityHarness> StartAsync(Action<ConvergeServerOptions>? configure = null, ListLoggerProvider? logs = null, int concurrentTransactions = 1) =>
        AuthorityHarness.StartAsync(_target, configure ?? (static _ => { }),
            decorate: store => _store = new RecordingStore(store) { ConcurrentTransactionsOverride = concurrentTransactions }, logs: logs);

    private static ServerChange Change(long sequence, string clientId = "c") =>
        new(sequence, clientId, sequence, [new SetValue("k", JsonSerializer.SerializeToElement(sequence))]);

    // Each authority has loaded (it answered the subscription) before anything is pushed.
    private static async Task<ServerSession[]> ConnectAllAsync(AuthorityHarness server, IEnumerable<string> documents) =>
        await Task.WhenAll(documents.Select(async d =>
        {
            var session = await server.ConnectAsync("client-" + d, d);
            await NextAsync<SubscribedFrame>(session);
            return session;
        }));

    private static Task PushAsync(ServerSession session, string document) =>
        session.HandleAsync(Push(document, session.ClientId!, 1, "k", document), CancellationToken.None).AsTask();

    // Holds the store's next transaction with the first document's group in it, then queues the others behind it.
    private async Task LineUpBehindAHeldTransactionAsync(AuthorityHarness server, ServerSession first, string firstDocument,
        IEnumerable<(ServerSession Session, string Document)> others)
    {
        var holding = _store.HoldNextTransaction();
        try
        {
            await PushAsync(first, firstDocument);
            await holding.WaitAsync(TimeSpan.FromSeconds(20));
            var queued = others.ToList();
            await Task.WhenAll(queued.Select(static o => PushAsync(o.Session, o.Document)));
            await Eventually.TrueAsync(() => Task.FromResult(server.Committer.QueueDepth == queued.Count), $"{queued.Count} commit groups are queued");
        }
        finally
        {
            _store.Release();
        }
    }

    [Fact]
    public async Task Pushes_to_many_documents_at_once__share_one_transaction_and_each_is_acked_once_after_it_is_durable()
    {
        var documents = Enumerable.Range(0, 16).Select(static i => $"doc-{i}").ToArray();
        var batchesPerTransaction = new ConcurrentQueue<int>();
        await using (var server = await StartAsync())
        {
            // Resolved before listening: publishing runs under the meters' global lock.
            var meter = server.Metrics.Meter;
            using var listener = new MeterListener();
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter == meter && instrument.Name == "converge.server.transaction.batches")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<int>((_, batches, _, _) => batchesPerTransaction.Enqueue(batches));
            listener.Start();
            var sessions = await ConnectAllAsync(server, documents);

            await LineUpBehindAHeldTransactionAsync(server, sessions[0], documents[0], sessions.Zip(documents).Skip(1));

            foreach (var session in sessions)
            {
                var ack = await NextAsync<AckFrame>(session);
                Assert.Equal((1L, 1L), (ack.ClientSeq, ack.Sequence));
                Assert.False(session.Outbound.TryRead(out var extra), $"{session.ClientId} was sent {extra} after its ack");
            }

            // The held transaction had the first group; the 15 queued behind it went in one more.
            Assert.Equal([1, 15], _store.Transactions.Select(static t => t.Documents.Length));
            Assert.All(_store.Transactions, static t => Assert.True(t.Committed));
            Assert.Equal([1, 15], batchesPerTransaction);
        }

        // Durable: a fresh store on the same database has every change, once.
        var reopened = _target.Open();
        await using (reopened)
        {
            await reopened.InitializeAsync(CancellationToken.None);
            foreach (var document in documents)
            {
                var change = Assert.Single(await reopened.ReadAsync(document, 0, 10, CancellationToken.None));
                Assert.Equal(("client-" + document, 1L), (change.ClientId, change.ClientSeq));
            }
        }
    }

    [Fact]
    public async Task A_commit_group_the_store_refuses_in_a_shared_transaction__fails_alone_and_the_other_documents_are_acked()
    {
        var logs = new ListLoggerProvider();
        await using var server = await StartAsync(logs: logs);
        var documents = new[] { "doc-0", "doc-1", "poisoned", "doc-2", "doc-3" };
        var sessions = await ConnectAllAsync(server, documents);
        // A second writer (a bug, another server on the same store) takes sequence 1 behind the loaded authority's back.
        await server.Store.AppendAsync("poisoned", [Change(1, "intruder")], CancellationToken.None);

        await LineUpBehindAHeldTransactionAsync(server, sessions[0], documents[0], sessions.Zip(documents).Skip(1));

        var poisoned = sessions[2];
        Assert.Equal(ErrorCodes.InternalError, (await NextAsync<ErrorFrame>(poisoned)).Code);
        // Closed after nothing but the error; its client still holds the change and pushes it again.
        await poisoned.Outbound.Completion.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.NotNull(poisoned.CloseReason);
        foreach (var session in sessions.Where(s => s != poisoned))
        {
            Assert.Equal(1, (await NextAsync<AckFrame>(session)).Sequence);
        }

        var transactions = _store.Transactions.Skip(2).ToList();
        var shared = transactions[0];
        Assert.False(shared.Committed);
        Assert.Equal(["doc-1", "doc-2", "doc-3", "poisoned"], shared.Documents.Order());
        // Then each alone: only the poisoned one fails.
        Assert.Equal(shared.Documents.Select(d => (d, d != "poisoned")), transactions.Skip(1).Select(static t => (Assert.Single(t.Documents), t.Committed)));
        Assert.Equal("intruder", Assert.Single(await server.Store.ReadAsync("poisoned", 0, 10, CancellationToken.None)).ClientId);
        foreach (var document in documents.Where(static d => d != "poisoned"))
        {
            Assert.Equal("client-" + document, Assert.Single(await server.Store.ReadAsync(document, 0, 10, CancellationToken.None)).ClientId);
        }

        Assert.Contains(logs.Lines, static l => l.EventName == "GroupCommitFailed");
        Assert.Contains(logs.Lines, static l => l.EventName == "GroupCommitBatchFailed" && l.Message.Contains("poisoned", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_shared_transaction_holds_at_most_MaxChangesPerTransaction_changes__and_a_larger_group_goes_alone()
    {
        await using var server = await StartAsync(o => o.Storage.MaxChangesPerTransaction = 4);
        var holding = _store.HoldNextTransaction();
        Task first;
        List<Task> queued;
        try
        {
            first = server.Committer.AppendAsync("a", [Change(1)]).AsTask();
            await holding.WaitAsync(TimeSpan.FromSeconds(20));
            queued = [.. new (string Document, int Count)[] { ("b", 2), ("c", 2), ("d", 5), ("e", 1) }
                .Select(q => server.Committer.AppendAsync(q.Document, [.. Enumerable.Range(1, q.Count).Select(static s => Change(s))]).AsTask())];
            await Eventually.TrueAsync(() => Task.FromResult(server.Committer.QueueDepth == 4), "4 appends are queued");
        }
        finally
        {
            _store.Release();
        }

        await Task.WhenAll([first, .. queued]);

        Assert.Equal(["a", "b c", "d", "e"], _store.Transactions.Select(static t => string.Join(' ', t.Documents)));
        Assert.Equal(5, (await server.Store.ReadAsync("d", 0, 10, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task With_two_transactions_allowed_in_flight__a_slow_transaction_does_not_hold_up_the_next()
    {
        await using var server = await StartAsync(concurrentTransactions: 2);
        var holding = _store.HoldNextTransaction();
        Task first;
        try
        {
            first = server.Committer.AppendAsync("slow", [Change(1)]).AsTask();
            await holding.WaitAsync(TimeSpan.FromSeconds(20));

            await server.Committer.AppendAsync("next", [Change(1)]).AsTask().WaitAsync(TimeSpan.FromSeconds(20));

            Assert.False(first.IsCompleted);
        }
        finally
        {
            _store.Release();
        }

        await first;
        Assert.Equal(["next", "slow"], _store.Transactions.Select(static t => Assert.Single(t.Documents)));
    }

    [Fact]
    public async Task An_appender_that_blocks_once_answered__does_not_hold_up_the_next_transaction()
    {
        await using var server = await StartAsync();
        using var unblock = new ManualResetEventSlim();
        using var answered = new ManualResetEventSlim();
        // The rest of this method runs inline on the committing thread once the append is durable, and blocks it.
        var blocking = Task.Run(async () =>
        {
            await server.Committer.AppendAsync("blocking", [Change(1)]);
            answered.Set();
            unblock.Wait(TimeSpan.FromSeconds(60));
        });
        try
        {
            Assert.True(answered.Wait(TimeSpan.FromSeconds(20)));

            await server.Committer.AppendAsync("next", [Change(1)]).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
        }
        finally
        {
            unblock.Set();
        }

        await blocking;
        Assert.Equal(["blocking", "next"], _store.Transactions.Select(static t => Assert.Single(t.Documents)));
    }

    [Fact]
    public async Task With_cross_document_group_commit_off__each_document_commits_its_own_transaction()
    {
        await using var server = await StartAsync(o => o.Storage.MaxChangesPerTransaction = 0);
        var documents = Enumerable.Range(0, 4).Select(static i => $"doc-{i}").ToArray();
        var sessions = await ConnectAllAsync(server, documents);

        await Task.WhenAll(sessions.Zip(documents).Select(static p => PushAsync(p.First, p.Second)));
        foreach (var session in sessions)
        {
            Assert.Equal(1, (await NextAsync<AckFrame>(session)).Sequence);
        }

        Assert.Equal(documents, _store.Transactions.Select(static t => Assert.Single(t.Documents)).Order());
        Assert.Equal(0, server.Committer.QueueDepth);
    }
}

public sealed class SqliteGroupCommitTests() : GroupCommitTests(StoreKind.Sqlite);

public sealed class PostgresGroupCommitTests() : GroupCommitTests(StoreKind.Postgres);
