using System.Globalization;
using System.Text.Json;
using Converge.Client;
using Converge.Client.Documents;
using Converge.Client.Transports;
using Converge.IntegrationTests.Infrastructure;
using Converge.Model.Documents;
using Converge.Testing.Faults;

namespace Converge.IntegrationTests.Sync;

/// <summary>
/// Seeded, reproducible chaos: 3–8 clients on random transport preferences make random changes of every operation kind
/// through the fault proxy while it adds latency, drops connections, loses acks and refuses WebSocket upgrades, and
/// clients pause and resume, and restart on their local stores (a receipt handed out before a restart must still take
/// effect exactly once: the new instance replays it from the outbox). At the end every replica equals the server's state, and that state is exactly the
/// acknowledged changes replayed in sequence order: nothing lost, nothing applied twice, no gap. 50 seeds here;
/// <c>CONVERGE_SOAK_SEEDS=5000 bash scripts/soak.sh</c> runs thousands.
/// </summary>
public sealed class RandomizedConvergenceTests
{
    public static TheoryData<int> Seeds()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("CONVERGE_SOAK_SEEDS"), NumberStyles.None, CultureInfo.InvariantCulture, out var soak) ? soak : 50;
        var first = int.TryParse(Environment.GetEnvironmentVariable("CONVERGE_SOAK_FIRST_SEED"), NumberStyles.None, CultureInfo.InvariantCulture, out var start) ? start : 1;
        return new(Enumerable.Range(first, count));
    }

    // Orphaned: made by a client instance that was then restarted; its sequence is looked up in the server's log.
    private sealed record Sent(string ClientId, long ClientSeq, IReadOnlyList<DocumentOperation> Operations, Task<long> Acknowledged)
    {
        public bool Orphaned { get; set; }
    }

    // A normal seed takes seconds (its slowest wait is 60 s for the last acknowledgements).
    private static readonly TimeSpan SeedDeadline = TimeSpan.FromMinutes(4);

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Random_changes_faults_and_restarts__converge_with_every_acknowledged_change_applied_exactly_once(int seed)
    {
        // Every step awaits the clients and the server: a hang anywhere must fail with the seed and the step, not hold
        // the suite (the run is abandoned, its resources with it).
        var where = "starting";
        var run = RunSeedAsync(seed, step => Volatile.Write(ref where, step));
        if (await Task.WhenAny(run, Task.Delay(SeedDeadline, TestContext.Current.CancellationToken)) != run)
        {
            throw new Xunit.Sdk.XunitException($"seed {seed}: no end after {SeedDeadline.TotalSeconds} s; last step begun: {Volatile.Read(ref where)}");
        }

        await run;
    }

    private static async Task RunSeedAsync(int seed, Action<string> at)
    {
        var random = new Random(seed);
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"));
        await using var proxy = TestClients.ProxyTo(server);
        var transportOrders = new[]
        {
            new[] { TransportKind.WebSocket, TransportKind.ServerSentEvents, TransportKind.LongPolling },
            [TransportKind.ServerSentEvents, TransportKind.LongPolling],
            [TransportKind.LongPolling],
            [TransportKind.WebSocket, TransportKind.LongPolling],
        };
        var clients = new List<ConvergeClient>();
        var documents = new List<ConvergeDocument>();
        var sent = new List<Sent>();
        var rejections = new System.Collections.Concurrent.ConcurrentQueue<string>();
        // Every rejection, by any instance: a failure names them all (a rejected edit can take later ones with it).
        void Track(ConvergeDocument document, string who) =>
            document.Rejected += (_, e) => rejections.Enqueue($"{who}#{e.Exception.ClientSequence}: {e.Exception.ErrorCode} {e.Exception.Message}");
        try
        {
            var count = random.Next(3, 9);
            var orders = Enumerable.Range(0, count).Select(_ => transportOrders[random.Next(transportOrders.Length)]).ToArray();
            ConvergeClient NewClient(int i) => TestClients.Create(proxy.ToProxyUri(server.SyncUri), o =>
            {
                o.ClientId = $"client-{i}";
                o.LocalStore = new Converge.Client.Storage.LocalStoreOptions { Path = temp.File($"client-{i}.db"), DurableOnPowerLoss = false };
            }, orders[i]);
            for (var i = 0; i < count; i++)
            {
                clients.Add(NewClient(i));
            }

            at($"starting {count} clients");
            await Task.WhenAll(clients.Select(c => c.StartAsync()));
            foreach (var client in clients)
            {
                documents.Add(await client.OpenDocumentAsync("doc"));
                Track(documents[^1], client.ClientId);
            }

            var paused = new HashSet<int>();
            var steps = random.Next(40, 90);
            for (var step = 0; step < steps; step++)
            {
                var roll = random.Next(100);
                var who = random.Next(count);
                at($"step {step} of {steps} (roll {roll}, client-{who})");
                if (roll < 70)
                {
                    // Made under the document's lock: text positions and observed tags cannot be overtaken by a remote change.
                    DocumentOperation[] operations = [];
                    var receipt = await documents[who].ApplyAsync(view => operations = RandomOperations(random, view, clients[who].ClientId));
                    sent.Add(new Sent(clients[who].ClientId, receipt.ClientSequence, operations, receipt.Acknowledged));
                }
                else if (roll < 78)
                {
                    proxy.SetLatency(TimeSpan.FromMilliseconds(random.Next(0, 25)), TimeSpan.FromMilliseconds(random.Next(0, 5)));
                }
                else if (roll < 82)
                {
                    proxy.DropConnections();
                }
                else if (roll < 84)
                {
                    // Restart: the process is gone (unsettled receipts with it) and a new one opens the same store.
                    foreach (var orphan in sent.Where(x => x.ClientId == clients[who].ClientId && !x.Acknowledged.IsCompleted))
                    {
                        orphan.Orphaned = true;
                    }

                    await clients[who].DisposeAsync();
                    paused.Remove(who);
                    clients[who] = NewClient(who);
                    await clients[who].StartAsync();
                    documents[who] = await clients[who].OpenDocumentAsync("doc");
                    Track(documents[who], clients[who].ClientId + " (restarted)");
                }
                else if (roll < 88)
                {
                    // The next connection to carry this many bytes back is cut: often right after a commit, before its ack.
                    var n = random.Next(0, 400);
                    proxy.DropAfter(ProxyDirections.ServerToClient, n);
                }
                else if (roll < 91)
                {
                    if (random.Next(2) == 0)
                    {
                        proxy.BlockWebSocketUpgrades(403);
                    }
                    else
                    {
                        proxy.AllowWebSocketUpgrades();
                    }
                }
                else if (roll < 96)
                {
                    if (paused.Remove(who))
                    {
                        await clients[who].ResumeAsync();
                    }
                    else
                    {
                        await clients[who].PauseAsync();
                        paused.Add(who);
                    }
                }
                else
                {
                    // Let the network catch up now and then, so changes interleave with deliveries, not only queue.
                    var pending = sent.Where(s => !s.Acknowledged.IsCompleted && !paused.Contains(clients.FindIndex(c => c.ClientId == s.ClientId)))
                        .Take(3).Select(s => (Task)s.Acknowledged).ToArray();
                    await Task.WhenAny(Task.WhenAll(pending), Task.Delay(TimeSpan.FromSeconds(2)));
                }
            }

            at("resuming paused clients");
            proxy.Restore();
            foreach (var index in paused)
            {
                await clients[index].ResumeAsync();
            }

            at("waiting for every acknowledgement");
            var unsettled = Task.WhenAll(sent.Where(static s => !s.Orphaned).Select(static s => s.Acknowledged));
            await ((Task)unsettled).WaitAsync(TimeSpan.FromSeconds(60)).ContinueWith(static _ => { }, TaskScheduler.Default);
            if (!unsettled.IsCompletedSuccessfully)
            {
                throw new Xunit.Sdk.XunitException($"seed {seed}: not every change was acknowledged ({unsettled.Exception?.InnerException?.Message ?? "timed out"}); rejections, in order: {string.Join(" | ", rejections)}");
            }

            var acknowledged = await unsettled;
            at("waiting for every outbox to drain");
            // Orphans go out from the restarted instances' outboxes: wait until every client has nothing pending.
            foreach (var document in documents)
            {
                await document.UntilAsync(static d => d.PendingCount == 0, "outbox replayed");
            }

            at("checking the server's log");
            var log = await ServerLog.ReadAsync(server, "doc");
            Assert.Equal(log.Changes.Count, log.Changes.Select(static c => (c.ClientId, c.ClientSeq)).Distinct().Count());
            Assert.All(log.Changes.GroupBy(static c => c.ClientId), g => Assert.Equal(g.Select(static c => c.ClientSeq).Order(), g.Select(static c => c.ClientSeq)));
            var logged = log.Changes.ToDictionary(static c => (c.ClientId, c.ClientSeq), static c => c.Sequence);
            var sequences = sent.Select(s => s.Orphaned
                ? logged.TryGetValue((s.ClientId, s.ClientSeq), out var sequence) ? sequence : throw new Xunit.Sdk.XunitException($"seed {seed}: receipted change {s.ClientId}#{s.ClientSeq} is not in the log (logged of that client: {string.Join(", ", log.Changes.Where(c => c.ClientId == s.ClientId).Select(static c => c.ClientSeq))}; receipts: {string.Join(", ", sent.Where(x => x.ClientId == s.ClientId).Select(static x => $"{x.ClientSeq}{(x.Orphaned ? "o" : "")}{(x.Operations.Any(static o => o is EditText) ? "t" : "")}"))}); rejections, in order: {string.Join(" | ", rejections)}")
                : s.Acknowledged.Result).ToArray();
            var head = sequences.Length == 0 ? 0 : sequences.Max();
            Assert.Equal(Enumerable.Range(1, (int)head).Select(i => (long)i), sequences.Order());
            Assert.Equal(head, log.Changes.Count);
            Assert.Equal(acknowledged.Length + sent.Count(static s => s.Orphaned), sequences.Length);
            foreach (var document in documents)
            {
                await document.UntilSequenceAsync(head);
            }

            // Text edits are rewritten by the server (OT), so they are checked by count: every acknowledged edit is one
            // revision. Everything else must be exactly the acknowledged operations replayed in sequence order.
            var ordered = sent.Zip(sequences).OrderBy(p => p.Second).SelectMany(p => p.First.Operations).ToArray();
            var expected = JsonMap.Empty.Apply(ordered.Where(static o => o is not EditText));
            var edits = ordered.OfType<EditText>().GroupBy(static e => e.Key).ToDictionary(static g => g.Key, static g => (long)g.Count());
            JsonMap WithoutTexts(JsonMap state) => JsonMap.Empty.Apply(state.Where(e => !edits.ContainsKey(e.Key)).Select(e => (DocumentOperation)new SetValue(e.Key, e.Value)));
            foreach (var document in documents)
            {
                Assert.Equal(head, document.Sequence);
                Assert.True(WithoutTexts(document.State).ContentEquals(expected), $"seed {seed}: {document.Id} on a client differs from the acknowledged changes replayed");
                Assert.True(document.State.ContentEquals(documents[0].State), $"seed {seed}: two clients differ");
                Assert.All(edits, e => Assert.Equal(e.Value, document.State.GetTextRevision(e.Key)));
            }

            at("comparing with a fresh client");
            await using var observer = TestClients.Create(server.SyncUri);
            await observer.StartAsync();
            var fresh = await observer.OpenDocumentAsync("doc");
            Assert.Equal(head, fresh.Sequence);
            Assert.True(fresh.State.ContentEquals(documents[0].State), $"seed {seed}: the server's snapshot differs from the clients'");
        }
        finally
        {
            at("disposing the clients");
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    private static DocumentOperation[] RandomOperations(Random random, JsonMap view, string clientId)
    {
        var operations = new DocumentOperation[random.Next(1, 4)];
        for (var i = 0; i < operations.Length; i++)
        {
            var element = "e" + random.Next(5);
            var set = "tags" + random.Next(2);
            var observed = view.GetSetTags(set, element);
            var text = view.GetText("text0").EnumerateRunes().Count();
            var at = random.Next(text + 1);
            operations[i] = random.Next(9) switch
            {
                8 when !operations.Any(o => o is EditCrdtText) => CrdtEdit(random, view, clientId),
                6 or 7 when !operations.Any(o => o is EditText) => new EditText("text0", Converge.Model.Ot.TextDelta.ForEdit(text, at, random.Next(Math.Min(2, text - at) + 1), random.Next(3) == 0 ? "🙂" : "ab"[random.Next(2)].ToString()),
                    view.GetTextRevision("text0")),
                0 or 1 => new SetValue("k" + random.Next(6), JsonSerializer.SerializeToElement(new { v = random.Next(1000) })),
                2 => new RemoveValue("k" + random.Next(6)),
                3 => new IncrementValue("n" + random.Next(3), random.Next(-3, 4)),
                4 => new AddToSet(set, element, SetTags.NewTag()),
                5 when observed.Count > 0 => new RemoveFromSet(set, element, observed),
                _ => new AddToSet(set, element, SetTags.NewTag()),
            };
        }

        return operations;
    }

    private static EditCrdtText CrdtEdit(Random random, JsonMap view, string clientId)
    {
        var text = view.GetCrdtText("notes", clientId);
        var at = random.Next(text.Length + 1);
        var edits = new List<Converge.Model.Text.TextOperation>();
        if (random.Next(3) == 0 && Math.Min(2, text.Length - at) is > 0 and var count && text.Delete(at, count) is { } deletion)
        {
            edits.Add(deletion);
        }

        edits.Add(text.Insert(at, random.Next(3) == 0 ? "🙂" : "xy"[random.Next(2)].ToString())!);
        return new EditCrdtText("notes", Converge.Model.Text.TextOperationCodec.Encode(edits));
    }
}
