using System.Text.Json;
using Converge.Client.Storage;
using Converge.Client.Tests.Fakes;
using Converge.Client.Transports;
using Converge.Model.Documents;
using Microsoft.Extensions.Time.Testing;

namespace Converge.Client.Tests.Storage;

/// <summary>An app's own <see cref="IClientStore"/> (what a browser store over localStorage is) through <see cref="LocalStoreOptions.StoreFactory"/>.</summary>
public sealed class CustomStoreTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
    private readonly ScriptedServer _server = new();

    private ConvergeClient Client(MemoryClientStore store, string? clientId = null)
    {
        var options = new ConvergeClientOptions
        {
            ServerUri = new Uri("ws://127.0.0.1:9/sync"),
            TimeProvider = _time,
            ClientId = clientId,
            LocalStore = new LocalStoreOptions { StoreFactory = configured => store.OpenedWith(configured) },
        };
        options.Transports.Clear();
        options.Transports.Add(TransportKind.WebSocket);
        return new ConvergeClient(options, _server.Create, null);
    }

    [Fact]
    public async Task A_custom_store_holds_the_outbox_before_the_receipt_and_a_new_client_on_it_restores_the_pending_change()
    {
        var store = new MemoryClientStore("stored-id");
        store.Seed("doc", 3, JsonMap.Empty.Apply([new SetValue("title", JsonSerializer.SerializeToElement("cached"))]));
        await using (var client = Client(store))
        {
            Assert.Equal("stored-id", client.ClientId);
            var document = await client.OpenDocumentAsync("doc");
            var receipt = await document.SetAsync("title", JsonSerializer.SerializeToElement("mine"));
            Assert.Equal([receipt.ClientSequence], store.Outbox("doc").Select(static c => c.ClientSeq));
        }

        await using (var restarted = Client(store))
        {
            var document = await restarted.OpenDocumentAsync("doc");
            Assert.Equal("mine", document.State["title"].GetString());
            Assert.Equal(1, document.PendingCount);
        }

        Assert.All(store.OpenedWithIds, static id => Assert.Null(id));
    }

    [Fact]
    public void A_custom_store_of_another_identity_than_the_configured_client_id_is_refused_with_a_typed_error()
    {
        var error = Assert.Throws<ClientStoreException>(() => Client(new MemoryClientStore("someone-else"), clientId: "me"));
        Assert.Equal(ClientStoreException.IdentityMismatch, error.ErrorCode);
    }

    /// <summary>The smallest honest store: everything in memory, surviving the clients that use it.</summary>
    private sealed class MemoryClientStore(string clientId) : IClientStore
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, (long Next, StoredSnapshot? Snapshot, List<StoredChange> Outbox)> _documents = new(StringComparer.Ordinal);

        public string ClientId { get; } = clientId;

        public List<string?> OpenedWithIds { get; } = [];

        public long CachedBytes => 0;

        public MemoryClientStore OpenedWith(string? configured)
        {
            OpenedWithIds.Add(configured);
            return this;
        }

        public void Seed(string documentId, long sequence, JsonMap state)
        {
            lock (_gate)
            {
                _documents[documentId] = (1, new StoredSnapshot(sequence, state), []);
            }
        }

        public IReadOnlyList<StoredChange> Outbox(string documentId)
        {
            lock (_gate)
            {
                return [.. _documents[documentId].Outbox];
            }
        }

        public StoredDocument Load(string documentId, DateTimeOffset now)
        {
            lock (_gate)
            {
                var (next, snapshot, outbox) = _documents.GetValueOrDefault(documentId, (1, null, []));
                return new StoredDocument(documentId, next, snapshot, [.. outbox]);
            }
        }

        public void AppendChange(string documentId, StoredChange change)
        {
            lock (_gate)
            {
                var entry = _documents.GetValueOrDefault(documentId, (1, null, []));
                entry.Outbox.Add(change);
                _documents[documentId] = (Math.Max(entry.Next, change.ClientSeq + 1), entry.Snapshot, entry.Outbox);
            }
        }

        public void ReplaceChange(string documentId, StoredChange change)
        {
            lock (_gate)
            {
                var outbox = _documents[documentId].Outbox;
                outbox[outbox.FindIndex(c => c.ClientSeq == change.ClientSeq)] = change;
            }
        }

        public void RemoveChanges(string documentId, IReadOnlyCollection<long> clientSeqs)
        {
            lock (_gate)
            {
                if (_documents.TryGetValue(documentId, out var entry))
                {
                    entry.Outbox.RemoveAll(c => clientSeqs.Contains(c.ClientSeq));
                }
            }
        }

        public void SaveSnapshot(string documentId, long sequence, JsonMap state, IReadOnlyCollection<long> settled, DateTimeOffset now)
        {
            lock (_gate)
            {
                var entry = _documents.GetValueOrDefault(documentId, (1, null, []));
                entry.Outbox.RemoveAll(c => settled.Contains(c.ClientSeq));
                var snapshot = entry.Snapshot is { } stored && stored.Sequence > sequence ? stored : new StoredSnapshot(sequence, state);
                _documents[documentId] = (entry.Next, snapshot, entry.Outbox);
            }
        }

        public IReadOnlyList<string> EnforceQuota(long quotaBytes, IReadOnlySet<string> keep) => [];

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
