using System.Globalization;
using System.Text;
using Converge.Client.Storage;
using Converge.Model.Documents;
using Converge.Protocol;
using Converge.Protocol.Codecs;
using Microsoft.JSInterop;

namespace Converge.Board.Client.Storage;

/// <summary>
/// <see cref="IClientStore"/> over the browser's <c>localStorage</c>, called synchronously through
/// <see cref="IJSInProcessRuntime"/> (WebAssembly runs .NET and JavaScript on one thread, so the interface's
/// synchronous contract holds without blocking anything). Each value is one <c>localStorage</c> item, and every
/// <c>setItem</c> is atomic and done when it returns: a change appended survives a reload or a crash of the tab.
/// Why <c>localStorage</c> rather than IndexedDB, the key layout and the per-tab slots: docs/board.md.
/// </summary>
public sealed class BrowserClientStore : IClientStore
{
    // The SQLite store's rule (SqliteClientStore.SequenceRecoveryGap): with the counter lost, jump far past the outbox.
    private const long SequenceRecoveryGap = 1L << 32;

    // Marks a held text edit's outbox item. In the same item as its operations (one setItem, so a crash never separates
    // them); items written before held edits existed have no marker and are sendable, as they were.
    private const string HeldMarker = "held:";

    private readonly Lock _gate = new();
    private readonly IJSInProcessRuntime _js;
    private readonly string _prefix;

    private BrowserClientStore(IJSInProcessRuntime js, string prefix, string clientId)
    {
        _js = js;
        _prefix = prefix;
        ClientId = clientId;
    }

    /// <inheritdoc />
    public string ClientId { get; }

    /// <inheritdoc />
    public long CachedBytes
    {
        get
        {
            lock (_gate)
            {
                return _js.Invoke<long>("convergeStore.bytes", _prefix + "doc/");
            }
        }
    }

    /// <summary>Claims this tab's slot and opens its store (see the class remarks).</summary>
    /// <param name="js">The page's in-process runtime.</param>
    /// <param name="requestedClientId">A client id to adopt when the slot is new; <see langword="null"/> for a random one.</param>
    /// <exception cref="ClientStoreException">The slot belongs to another client id.</exception>
    public static BrowserClientStore Open(IJSInProcessRuntime js, string? requestedClientId)
    {
        ArgumentNullException.ThrowIfNull(js);
        var prefix = js.Invoke<string>("convergeStore.claimSlot");
        var stored = js.Invoke<string?>("convergeStore.get", prefix + "client");
        if (stored is null)
        {
            stored = requestedClientId ?? Guid.NewGuid().ToString("N");
            Write(js, prefix + "client", stored);
        }
        else if (requestedClientId is not null && requestedClientId != stored)
        {
            throw new ClientStoreException(ClientStoreException.IdentityMismatch, $"The browser store belongs to client '{stored}', not '{requestedClientId}'.");
        }

        return new BrowserClientStore(js, prefix, stored);
    }

    /// <inheritdoc />
    public StoredDocument Load(string documentId, DateTimeOffset now)
    {
        lock (_gate)
        {
            var doc = DocumentPrefix(documentId);
            var outbox = new List<StoredChange>();
            foreach (var key in _js.Invoke<string[]>("convergeStore.keys", doc + "out/").Order(StringComparer.Ordinal))
            {
                // A row that does not parse is dropped, never thrown (the interface's rule).
                var value = Get(key);
                var held = value?.StartsWith(HeldMarker, StringComparison.Ordinal) ?? false;
                if (long.TryParse(key.AsSpan(key.LastIndexOf('/') + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var clientSeq)
                    && TryOperations(held ? value![HeldMarker.Length..] : value, allowEmpty: false, out var operations))
                {
                    outbox.Add(new StoredChange(clientSeq, operations, held));
                }
                else
                {
                    _js.InvokeVoid("convergeStore.remove", key);
                }
            }

            var snapshot = ReadSnapshot(doc);
            var highest = outbox.Count > 0 ? outbox[^1].ClientSeq : 0;
            long next = long.TryParse(Get(doc + "next"), NumberStyles.None, CultureInfo.InvariantCulture, out var stored)
                ? Math.Max(stored, highest + 1)
                : snapshot is null && outbox.Count == 0 ? 1 : highest + 1 + SequenceRecoveryGap;
            if (snapshot is not null)
            {
                Write(_js, doc + "used", now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
            }

            return new StoredDocument(documentId, next, snapshot, outbox);
        }
    }

    /// <inheritdoc />
    public void AppendChange(string documentId, StoredChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var item = OutboxItem(change);
        lock (_gate)
        {
            var doc = DocumentPrefix(documentId);
            // The counter first: a tab closed between the two writes leaves a gap in client sequences (allowed), never a reuse.
            Write(_js, doc + "next", (change.ClientSeq + 1).ToString(CultureInfo.InvariantCulture));
            Write(_js, OutboxKey(doc, change.ClientSeq), item);
        }
    }

    /// <inheritdoc />
    public void ReplaceChange(string documentId, StoredChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var item = OutboxItem(change);
        lock (_gate)
        {
            var key = OutboxKey(DocumentPrefix(documentId), change.ClientSeq);
            // Only a change still in the outbox: one settled or rejected meanwhile must not come back to be sent again.
            if (Get(key) is not null)
            {
                Write(_js, key, item);
            }
        }
    }

    /// <inheritdoc />
    public void RemoveChanges(string documentId, IReadOnlyCollection<long> clientSeqs)
    {
        ArgumentNullException.ThrowIfNull(clientSeqs);
        lock (_gate)
        {
            var doc = DocumentPrefix(documentId);
            foreach (var clientSeq in clientSeqs)
            {
                _js.InvokeVoid("convergeStore.remove", OutboxKey(doc, clientSeq));
            }
        }
    }

    /// <inheritdoc />
    public void SaveSnapshot(string documentId, long sequence, JsonMap state, IReadOnlyCollection<long> settled, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        var encoded = sequence.ToString(CultureInfo.InvariantCulture) + ":" + Encoding.UTF8.GetString(OperationJson.Serialize(state.ToOperations()));
        lock (_gate)
        {
            var doc = DocumentPrefix(documentId);
            var current = ReadSnapshot(doc);
            if (current is null || current.Sequence <= sequence)
            {
                // One item holds the sequence and the state together: they can never disagree after a crash.
                Write(_js, doc + "snapshot", encoded);
                if (current is null)
                {
                    Write(_js, doc + "used", now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
                }
            }

            // After the state: a crash in between only re-sends changes the server then acknowledges again.
            RemoveChanges(documentId, settled);
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<string> EnforceQuota(long quotaBytes, IReadOnlySet<string> keep)
    {
        ArgumentNullException.ThrowIfNull(keep);
        lock (_gate)
        {
            var total = CachedBytes;
            if (total <= quotaBytes)
            {
                return [];
            }

            var evicted = new List<string>();
            var candidates = _js.Invoke<string[]>("convergeStore.keys", _prefix + "doc/")
                .Where(static k => k.EndsWith("/snapshot", StringComparison.Ordinal))
                .Select(k => Uri.UnescapeDataString(k[(_prefix.Length + 4)..^"/snapshot".Length]))
                .Where(id => !keep.Contains(id) && _js.Invoke<string[]>("convergeStore.keys", DocumentPrefix(id) + "out/").Length == 0)
                .OrderBy(id => long.TryParse(Get(DocumentPrefix(id) + "used"), NumberStyles.None, CultureInfo.InvariantCulture, out var used) ? used : 0)
                .ToList();
            foreach (var id in candidates)
            {
                if (total <= quotaBytes)
                {
                    break;
                }

                var doc = DocumentPrefix(id);
                total -= 2L * (Get(doc + "snapshot")?.Length ?? 0);
                // The counter stays: it is what makes reusing this client identity safe.
                _js.InvokeVoid("convergeStore.remove", doc + "snapshot");
                _js.InvokeVoid("convergeStore.remove", doc + "used");
                evicted.Add(id);
            }

            return evicted;
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static void Write(IJSInProcessRuntime js, string key, string value)
    {
        if (js.Invoke<string?>("convergeStore.set", key, value) is { } failure)
        {
            throw new ClientStoreException(ClientStoreException.WriteFailed, $"localStorage refused '{key}': {failure}");
        }
    }

    private static string OutboxKey(string doc, long clientSeq) => doc + "out/" + clientSeq.ToString("D19", CultureInfo.InvariantCulture);

    private static string OutboxItem(StoredChange change)
    {
        var operations = Encoding.UTF8.GetString(OperationJson.Serialize(change.Operations));
        return change.Held ? HeldMarker + operations : operations;
    }

    private static bool TryOperations(string? json, bool allowEmpty, out IReadOnlyList<DocumentOperation> operations)
    {
        operations = [];
        if (json is null)
        {
            return false;
        }

        try
        {
            operations = OperationJson.Deserialize(Encoding.UTF8.GetBytes(json));
            return allowEmpty || operations.Count > 0;
        }
        catch (ProtocolException)
        {
            return false;
        }
    }

    private StoredSnapshot? ReadSnapshot(string doc)
    {
        var value = Get(doc + "snapshot");
        var colon = value?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (value is null || colon < 0
            || !long.TryParse(value.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
            || !TryOperations(value[(colon + 1)..], allowEmpty: true, out var operations))
        {
            return null;
        }

        return new StoredSnapshot(sequence, JsonMap.Empty.Apply(operations));
    }

    private string? Get(string key) => _js.Invoke<string?>("convergeStore.get", key);

    private string DocumentPrefix(string documentId) => _prefix + "doc/" + Uri.EscapeDataString(documentId) + "/";
}
