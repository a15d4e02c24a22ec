using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Converge.Client;
using Converge.Client.Documents;
using Converge.IntegrationTests.Infrastructure;
using Converge.Model.Documents;
using Converge.Protocol.Frames;

namespace Converge.IntegrationTests.Storage;

/// <summary>
/// kill -9 under load: the server runs as a child process (tests/Converge.ServerHost) on each store; several clients
/// push without pause; the server is SIGKILLed mid-stream and restarted on the same store and port. Every change
/// acknowledged before the kill must be in the log exactly once at the sequence its ack named, the log must stay
/// gap-free with no key twice, clients must resume by themselves, and every replica must converge with the log.
/// </summary>
public abstract class ServerKillTests(StoreKind kind) : IAsyncLifetime
{
    private const string DocumentId = "load";
    private const int Clients = 4;
    private TestStore _store = null!;

    public async ValueTask InitializeAsync() => _store = await TestStore.CreateAsync(kind);

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
    }

    private sealed record Pushed(string ClientId, string Key, ChangeReceipt Receipt);

    [Fact]
    public async Task Kill_9_under_load__loses_no_acknowledged_change__applies_none_twice__and_replicas_converge()
    {
        var started = Stopwatch.StartNew();
        var port = ServerHostProcess.FreePort();
        var host = await ServerHostProcess.StartAsync(port, _store.HostArguments);
        var uri = new Uri($"ws://127.0.0.1:{port}/sync");
        var clients = Enumerable.Range(0, Clients).Select(i => TestClients.Create(uri, o => o.ClientId = $"killer-{i}")).ToArray();
        var pushed = new ConcurrentQueue<Pushed>();
        var acked = new ConcurrentDictionary<(string ClientId, long ClientSeq), long>();
        using var stop = new CancellationTokenSource();
        try
        {
            await Task.WhenAll(clients.Select(static c => c.StartAsync()));
            var documents = await Task.WhenAll(clients.Select(static c => c.OpenDocumentAsync(DocumentId)));

            // Each client sets a key of its own per change, so "applied twice" and "lost" are visible in the log.
            // Every tenth change waits for its ack: at most ten unacknowledged per client, also while the server is down.
            var pushers = documents.Select((document, i) => Task.Run(async () =>
            {
                var clientId = $"killer-{i}";
                for (var n = 1; !stop.IsCancellationRequested; n++)
                {
                    var key = $"{clientId}/{n}";
                    var receipt = await document.SetAsync(key, JsonSerializer.SerializeToElement(n));
                    pushed.Enqueue(new Pushed(clientId, key, receipt));
                    _ = receipt.Acknowledged.ContinueWith(t => acked[(clientId, receipt.ClientSequence)] = t.Result,
                        CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
                    if (n % 10 == 0)
                    {
                        await receipt.Acknowledged.WaitAsync(TimeSpan.FromSeconds(60));
                    }
                }
            })).ToArray();

            await UntilAsync(() => acked.Count >= 200, "200 changes are acknowledged before the kill");
            var ackedBeforeKill = acked.ToArray();
            await host.KillAsync();
            var pushedAtKill = pushed.Count;

            await using (host = await ServerHostProcess.StartAsync(port, _store.HostArguments))
            {
                // The clients reconnect by themselves, re-push what was unacknowledged, and go on pushing.
                await UntilAsync(() => acked.Count >= ackedBeforeKill.Length + 200, "200 more changes are acknowledged after the restart");
                await stop.CancelAsync();
                await Task.WhenAll(pushers).WaitAsync(TimeSpan.FromSeconds(60));
                var receipts = pushed.ToArray();
                await Task.WhenAll(receipts.Select(static p => p.Receipt.Acknowledged)).WaitAsync(TimeSpan.FromSeconds(60));

                await using var store = _store.Open();
                await store.InitializeAsync(CancellationToken.None);
                var log = new List<ServerChange>();
                for (IReadOnlyList<ServerChange> page; (page = await store.ReadAsync(DocumentId, log.Count == 0 ? 0 : log[^1].Sequence, 1000, CancellationToken.None)).Count > 0;)
                {
                    log.AddRange(page);
                }

                // Gap-free, one entry per idempotency key, and every key set by exactly one change.
                Assert.Equal(Enumerable.Range(1, log.Count).Select(static s => (long)s), log.Select(static c => c.Sequence));
                Assert.Equal(log.Count, log.Select(static c => (c.ClientId, c.ClientSeq)).Distinct().Count());
                var keys = log.SelectMany(static c => c.Operations.Select(static o => o.Key)).ToList();
                Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());

                // Acknowledged before the kill: present, exactly once, where the ack said.
                var bySequence = log.ToDictionary(static c => c.Sequence);
                foreach (var ((clientId, clientSeq), sequence) in ackedBeforeKill)
                {
                    Assert.True(bySequence.TryGetValue(sequence, out var change), $"({clientId}, {clientSeq}) was acknowledged at {sequence} before the kill and is missing.");
                    Assert.Equal((clientId, clientSeq), (change.ClientId, change.ClientSeq));
                }

                // Every receipt (before and after the kill) was acknowledged with the sequence of its one change.
                Assert.Equal(receipts.Length, log.Count);
                foreach (var receipt in receipts)
                {
                    Assert.Equal(receipt.Key, Assert.Single(bySequence[await receipt.Receipt.Acknowledged].Operations).Key);
                }

                // Replicas converge on the log's state.
                var expected = JsonMap.Empty;
                foreach (var change in log)
                {
                    expected = expected.Apply(change.Operations);
                }

                foreach (var document in documents)
                {
                    await UntilAsync(() => document.Sequence == log.Count && document.PendingCount == 0, $"{document.Id} catches up to {log.Count}");
                    Assert.Equal(expected.OrderBy(static e => e.Key, StringComparer.Ordinal).Select(static e => (e.Key, e.Value.GetRawText())),
                        document.State.OrderBy(static e => e.Key, StringComparer.Ordinal).Select(static e => (e.Key, e.Value.GetRawText())));
                }

                Assert.True(pushedAtKill < receipts.Length);
                TestContext.Current.SendDiagnosticMessage(
                    $"{kind}: {ackedBeforeKill.Length} acknowledged and {pushedAtKill} pushed before the kill, {log.Count} in the log at the end, {started.Elapsed.TotalSeconds:0.0} s");
                Assert.True(started.Elapsed < TimeSpan.FromSeconds(60), $"took {started.Elapsed}");
            }
        }
        catch (Exception) when (Dump(host))
        {
            throw;
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }

            await host.DisposeAsync();
        }
    }

    private static bool Dump(ServerHostProcess host)
    {
        TestContext.Current.SendDiagnosticMessage("server host output:\n" + host.Output);
        return false;
    }

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(45))
            {
                throw new Xunit.Sdk.XunitException($"Timed out waiting until {what}.");
            }

            await Task.Delay(10);
        }
    }
}

public sealed class SqliteServerKillTests() : ServerKillTests(StoreKind.Sqlite);

public sealed class PostgresServerKillTests() : ServerKillTests(StoreKind.Postgres);
