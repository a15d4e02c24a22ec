using System.Collections.Concurrent;
using Converge.Client.Documents;
using Microsoft.Extensions.Logging;

namespace Converge.Client.Storage;

/// <summary>
/// The client's side of the local store: opens it, settles the client identity, restores documents from it, gives
/// each open document its <see cref="DocumentJournal"/>, keeps the cache within its quota, and flushes on stop.
/// </summary>
internal sealed partial class LocalStore : IAsyncDisposable
{
    private readonly IClientStore _store;
    private readonly LocalStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, DocumentJournal> _journals = new(StringComparer.Ordinal);
    private readonly Lock _quotaGate = new();

    internal LocalStore(IClientStore store, LocalStoreOptions options, TimeProvider time, ILoggerFactory loggers)
    {
        _store = store;
        _options = options;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<LocalStore>();
    }

    /// <summary>The client identity the store belongs to.</summary>
    public string ClientId => _store.ClientId;

    /// <summary>The store itself (tests look inside).</summary>
    internal IClientStore Store => _store;

    /// <summary>Opens the store the options name (SQLite, or the app's own), or returns <see langword="null"/> when there is none (memory only).</summary>
    /// <exception cref="ClientStoreException">The file cannot be used.</exception>
    public static LocalStore? Open(ConvergeClientOptions options, ILoggerFactory loggers)
    {
        if (options.LocalStore is not { } local)
        {
            return null;
        }

        IClientStore store;
        if (local.StoreFactory is { } factory)
        {
            store = factory(options.ClientId) ?? throw new InvalidOperationException($"{nameof(LocalStoreOptions)}.{nameof(LocalStoreOptions.StoreFactory)} returned null.");
            if (options.ClientId is { } configured && !string.Equals(configured, store.ClientId, StringComparison.Ordinal))
            {
                throw new ClientStoreException(ClientStoreException.IdentityMismatch, $"The local store belongs to client '{store.ClientId}', not the configured '{configured}'.");
            }
        }
        else
        {
            store = SqliteClientStore.Open(local, options.ClientId, loggers.CreateLogger<SqliteClientStore>());
        }

        var localStore = new LocalStore(store, local, options.TimeProvider, loggers);
        localStore.EnforceQuota();
        return localStore;
    }

    /// <summary>Reads what is stored for a document about to be opened.</summary>
    public StoredDocument Load(string documentId) => _store.Load(documentId, _time.GetUtcNow());

    /// <summary>Restores a new document from what was stored and journals it from now on. Before the document is shared.</summary>
    public void Attach(ConvergeDocument document, StoredDocument stored)
    {
        var journal = new DocumentJournal(document.Id, _store, _options, _time, _loggers.CreateLogger<DocumentJournal>(), EnforceQuota);
        _journals[document.Id] = journal;
        document.Restore(stored, journal);
        Log.Restored(_logger, document.Id, stored.Snapshot?.Sequence, stored.Outbox.Count, stored.NextClientSeq);
    }

    /// <summary>Writes every document's unsaved state (the app may be suspended or closed next).</summary>
    public async Task FlushAsync()
    {
        foreach (var journal in _journals.Values)
        {
            await journal.FlushAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var journal in _journals.Values)
        {
            await journal.DisposeAsync().ConfigureAwait(false);
        }

        await _store.DisposeAsync().ConfigureAwait(false);
    }

    // After each snapshot write: the cache only grows there. Open documents are in use, so they are not "least recently used".
    private void EnforceQuota()
    {
        try
        {
            lock (_quotaGate)
            {
                _store.EnforceQuota(_options.CacheQuotaBytes, _journals.Keys.ToHashSet(StringComparer.Ordinal));
            }
        }
        catch (ObjectDisposedException)
        {
            // The client is closing; the next start enforces the quota again.
        }
#pragma warning disable CA1031 // An over-full cache must not stop syncing; the next write tries again.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.QuotaFailed(_logger, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 321, EventName = "ClientStoreQuotaFailed", Level = LogLevel.Warning, Message = "Local store: enforcing the cache quota failed.")]
        public static partial void QuotaFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 320, EventName = "ClientStoreDocumentRestored", Level = LogLevel.Debug, Message = "Local store: document {DocumentId} restored (cached at {Sequence}, {Pending} changes in the outbox, next client sequence {Next}).")]
        public static partial void Restored(ILogger logger, string documentId, long? sequence, int pending, long next);
    }
}
