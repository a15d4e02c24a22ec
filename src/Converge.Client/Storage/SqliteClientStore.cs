using System.Globalization;
using Converge.Model.Documents;
using Converge.Protocol;
using Converge.Protocol.Codecs;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Converge.Client.Storage;

/// <summary>
/// <see cref="IClientStore"/> on one SQLite file in WAL mode, held exclusively by one connection for the store's
/// lifetime (so two clients can never share one identity's sequences). Operations are encoded with the protocol's own
/// JSON operation encoding (<see cref="OperationJson"/>), so every operation kind the wire carries is stored as is.
/// </summary>
internal sealed partial class SqliteClientStore : IClientStore
{
    /// <summary>
    /// How far above the highest client sequence still visible the next one starts when a document's counter is
    /// unreadable: the counter may have been far ahead of the outbox (acknowledged changes leave it), and reusing a
    /// sequence would make the server drop a new change as a duplicate. The server accepts gaps in client sequences.
    /// </summary>
    internal const long SequenceRecoveryGap = 1L << 32;

    private const int SchemaVersion = 2;
    private static readonly TimeSpan DefaultBusyTimeout = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private readonly SqliteConnection _connection;
    private readonly ILogger _logger;
    private readonly string _path;
    private bool _disposed;

    private SqliteClientStore(SqliteConnection connection, string path, string clientId, ILogger logger)
    {
        _connection = connection;
        _path = path;
        ClientId = clientId;
        _logger = logger;
    }

    /// <inheritdoc />
    public string ClientId { get; }

    /// <summary>Opens (or creates) the store and settles the client identity.</summary>
    /// <param name="options">Validated options.</param>
    /// <param name="requestedClientId">The app's <see cref="ConvergeClientOptions.ClientId"/>: adopted by a new store,
    /// checked against an existing one; <see langword="null"/> to take the stored one (or a new random one).</param>
    /// <param name="logger">Where to log.</param>
    /// <param name="busyTimeout">How long to wait for another holder of the file before <see cref="ClientStoreException.InUse"/>.</param>
    /// <exception cref="ClientStoreException">The file cannot be used (see its code).</exception>
    public static SqliteClientStore Open(LocalStoreOptions options, string? requestedClientId, ILogger logger, TimeSpan? busyTimeout = null)
    {
        var path = System.IO.Path.GetFullPath(options.Path!);
        SqliteConnection? connection = null;
        try
        {
            if (System.IO.Path.GetDirectoryName(path) is { Length: > 0 } directory)
            {
                Directory.CreateDirectory(directory);
            }

            connection = new SqliteConnection(new SqliteConnectionStringBuilder
            {
                DataSource = path,
                Mode = SqliteOpenMode.ReadWriteCreate,
                // One connection for the store's lifetime: a pooled one would keep the exclusive lock after disposal.
                Pooling = false,
                DefaultTimeout = (int)Math.Ceiling((busyTimeout ?? DefaultBusyTimeout).TotalSeconds),
            }.ToString());
            connection.Open();
            // Exclusive locking: the first write takes the lock and keeps it until the connection closes, so a second
            // client on the same file fails at open instead of interleaving client sequences. The OS releases it when
            // the process dies, so a restart after a crash opens at once. auto_vacuum only takes effect on a new file.
            Execute(connection, $"""
                PRAGMA locking_mode = EXCLUSIVE;
                PRAGMA auto_vacuum = INCREMENTAL;
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = {(options.DurableOnPowerLoss ? "FULL" : "NORMAL")};
                """);
            using (var transaction = connection.BeginTransaction())
            {
                CreateSchema(connection, transaction);
                transaction.Commit();
            }

            var clientId = SettleIdentity(connection, requestedClientId, path, logger);
            var store = new SqliteClientStore(connection, path, clientId, logger);
            var (documents, pending) = (store.CountDocuments(), store.CountOutbox());
            Log.Opened(logger, path, clientId, documents, pending);
            return store;
        }
        catch (SqliteException ex)
        {
            connection?.Dispose();
            throw ex.SqliteErrorCode is 5 or 6 // SQLITE_BUSY, SQLITE_LOCKED
                ? new ClientStoreException(ClientStoreException.InUse, $"The local store '{path}' is in use by another client (one store belongs to one client at a time).", ex)
                : new ClientStoreException(ClientStoreException.Unavailable, $"The local store '{path}' cannot be opened: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            connection?.Dispose();
            throw new ClientStoreException(ClientStoreException.Unavailable, $"The local store '{path}' cannot be opened: {ex.Message}", ex);
        }
        catch
        {
            connection?.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public long CachedBytes
    {
        get
        {
            lock (_gate)
            {
                ThrowIfDisposed();
                return TotalBytes();
            }
        }
    }

    /// <inheritdoc />
    public StoredDocument Load(string documentId, DateTimeOffset now)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            using var transaction = _connection.BeginTransaction();
            var outbox = ReadOutbox(documentId, transaction);
            var snapshot = ReadSnapshot(documentId, transaction);
            var next = ReadNextClientSeq(documentId, outbox, snapshot is not null, transaction);
            using (var touch = Command("UPDATE documents SET last_used = $now WHERE document_id = $id", transaction))
            {
                touch.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                touch.Parameters.AddWithValue("$id", documentId);
                touch.ExecuteNonQuery();
            }

            transaction.Commit();
            return new StoredDocument(documentId, next, snapshot, outbox);
        }
    }

    /// <inheritdoc />
    public void AppendChange(string documentId, StoredChange change)
    {
        var operations = OperationJson.Serialize(change.Operations);
        lock (_gate)
        {
            if (_disposed)
            {
                throw new ClientStoreException(ClientStoreException.WriteFailed, $"The local store '{_path}' is closed; the change was not applied.");
            }

            try
            {
                using var transaction = _connection.BeginTransaction();
                using (var insert = Command("INSERT INTO outbox (document_id, client_seq, operations, held) VALUES ($id, $seq, $operations, $held)", transaction))
                {
                    insert.Parameters.AddWithValue("$id", documentId);
                    insert.Parameters.AddWithValue("$seq", change.ClientSeq);
                    insert.Parameters.AddWithValue("$operations", operations);
                    insert.Parameters.AddWithValue("$held", change.Held ? 1 : 0);
                    insert.ExecuteNonQuery();
                }

                WriteNextClientSeq(documentId, change.ClientSeq + 1, transaction);
                transaction.Commit();
            }
            catch (SqliteException ex)
            {
                Log.WriteFailed(_logger, ex, documentId, change.ClientSeq);
                throw new ClientStoreException(ClientStoreException.WriteFailed,
                    $"Change {change.ClientSeq} of '{documentId}' could not be written to the local store, so it was not applied: {ex.Message}", ex);
            }
        }
    }

    /// <inheritdoc />
    public void ReplaceChange(string documentId, StoredChange change)
    {
        var operations = OperationJson.Serialize(change.Operations);
        lock (_gate)
        {
            ThrowIfDisposed();
            try
            {
                using var update = Command("UPDATE outbox SET operations = $operations, held = $held WHERE document_id = $id AND client_seq = $seq");
                update.Parameters.AddWithValue("$id", documentId);
                update.Parameters.AddWithValue("$seq", change.ClientSeq);
                update.Parameters.AddWithValue("$operations", operations);
                update.Parameters.AddWithValue("$held", change.Held ? 1 : 0);
                update.ExecuteNonQuery();
            }
            catch (SqliteException ex)
            {
                Log.WriteFailed(_logger, ex, documentId, change.ClientSeq);
                throw new ClientStoreException(ClientStoreException.WriteFailed, $"Change {change.ClientSeq} of '{documentId}' could not be rewritten in the local store: {ex.Message}", ex);
            }
        }
    }

    /// <inheritdoc />
    public void RemoveChanges(string documentId, IReadOnlyCollection<long> clientSeqs)
    {
        if (clientSeqs.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            ThrowIfDisposed();
            using var transaction = _connection.BeginTransaction();
            DeleteOutbox(documentId, clientSeqs, transaction);
            transaction.Commit();
        }
    }

    /// <inheritdoc />
    public void SaveSnapshot(string documentId, long sequence, JsonMap state, IReadOnlyCollection<long> settled, DateTimeOffset now)
    {
        var snapshot = OperationJson.Serialize(state.ToOperations());
        lock (_gate)
        {
            ThrowIfDisposed();
            using var transaction = _connection.BeginTransaction();
            // Writes race (a timer's and the ready-time one): an older state never replaces a newer one. Last use is the
            // last open (Load), not the last write: an open document is kept anyway, and every open one is written on stop.
            using (var upsert = Command("""
                INSERT INTO documents (document_id, sequence, snapshot, size, last_used) VALUES ($id, $sequence, $snapshot, $size, $now)
                ON CONFLICT (document_id) DO UPDATE SET sequence = excluded.sequence, snapshot = excluded.snapshot, size = excluded.size
                WHERE excluded.sequence >= documents.sequence OR typeof(documents.sequence) <> 'integer'
                """, transaction))
            {
                upsert.Parameters.AddWithValue("$id", documentId);
                upsert.Parameters.AddWithValue("$sequence", sequence);
                upsert.Parameters.AddWithValue("$snapshot", snapshot);
                upsert.Parameters.AddWithValue("$size", snapshot.LongLength + documentId.Length);
                upsert.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                upsert.ExecuteNonQuery();
            }

            DeleteOutbox(documentId, settled, transaction);
            transaction.Commit();
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<string> EnforceQuota(long quotaBytes, IReadOnlySet<string> keep)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            var total = TotalBytes();
            if (total <= quotaBytes)
            {
                return [];
            }

            var candidates = new List<(string Id, long Size)>();
            using (var query = Command("""
                SELECT document_id, size FROM documents d
                WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.document_id = d.document_id)
                ORDER BY last_used, document_id
                """))
            using (var reader = query.ExecuteReader())
            {
                while (reader.Read())
                {
                    candidates.Add((reader.GetString(0), reader.GetValue(1) is long size ? size : 0));
                }
            }

            var evicted = new List<string>();
            using var transaction = _connection.BeginTransaction();
            foreach (var (id, size) in candidates)
            {
                if (total <= quotaBytes)
                {
                    break;
                }

                if (keep.Contains(id))
                {
                    continue;
                }

                using var delete = Command("DELETE FROM documents WHERE document_id = $id", transaction);
                delete.Parameters.AddWithValue("$id", id);
                delete.ExecuteNonQuery();
                total -= size;
                evicted.Add(id);
            }

            transaction.Commit();
            if (evicted.Count > 0)
            {
                // Give the freed pages back to the file system: the quota is about the disk the app uses.
                Execute(_connection, "PRAGMA incremental_vacuum;");
                Log.Evicted(_logger, evicted.Count, total, quotaBytes);
            }

            return evicted;
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _disposed = true;
                _connection.Dispose();
            }
        }

        return ValueTask.CompletedTask;
    }

    private static void CreateSchema(SqliteConnection connection, SqliteTransaction transaction)
    {
        Execute(connection, """
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS client_sequences (document_id TEXT PRIMARY KEY, next_client_seq INTEGER NOT NULL) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS documents (
                document_id TEXT PRIMARY KEY,
                sequence INTEGER NOT NULL,
                snapshot BLOB NOT NULL,
                size INTEGER NOT NULL,
                last_used INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS documents_last_used ON documents (last_used);
            CREATE TABLE IF NOT EXISTS outbox (
                document_id TEXT NOT NULL,
                client_seq INTEGER NOT NULL,
                operations BLOB NOT NULL,
                held INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (document_id, client_seq)) WITHOUT ROWID;
            INSERT INTO meta (key, value) VALUES ('schema', '2') ON CONFLICT DO NOTHING;
            """, transaction);
        using (var version1 = new SqliteCommand("SELECT value FROM meta WHERE key = 'schema'", connection, transaction))
        {
            if (version1.ExecuteScalar() is "1")
            {
                // Version 2 added held text edits; every version-1 change is sendable as stored.
                Execute(connection, "ALTER TABLE outbox ADD COLUMN held INTEGER NOT NULL DEFAULT 0; UPDATE meta SET value = '2' WHERE key = 'schema';", transaction);
            }
        }

        using var schema = new SqliteCommand("SELECT value FROM meta WHERE key = 'schema'", connection, transaction);
        if (schema.ExecuteScalar() is not string version || version != SchemaVersion.ToString(CultureInfo.InvariantCulture))
        {
            throw new ClientStoreException(ClientStoreException.Unavailable,
                $"The local store has schema version '{schema.ExecuteScalar()}'; this client reads version {SchemaVersion}.");
        }
    }

    // The identity is what makes stored client sequences meaningful: adopt the app's id for a new store, refuse a
    // different one for an existing store, and replace an unreadable one together with everything tied to it.
    private static string SettleIdentity(SqliteConnection connection, string? requested, string path, ILogger logger)
    {
        using var transaction = connection.BeginTransaction();
        using var read = new SqliteCommand("SELECT value FROM meta WHERE key = 'client_id'", connection, transaction);
        var stored = read.ExecuteScalar();
        string clientId;
        if (stored is string id && id.Length is > 0 and <= ConvergeProtocol.MaxClientIdLength)
        {
            if (requested is not null && !string.Equals(requested, id, StringComparison.Ordinal))
            {
                throw new ClientStoreException(ClientStoreException.IdentityMismatch,
                    $"The local store '{path}' belongs to client '{id}', not '{requested}'. Use another store for another client id, or leave ClientId unset to use the stored one.");
            }

            return id;
        }

        clientId = requested ?? Guid.NewGuid().ToString("N");
        if (stored is not null)
        {
            // Its outbox and sequences belong to an identity we can no longer name: replaying the changes under a new
            // one could apply acknowledged ones twice, and the sequences mean nothing for the new one.
            using var count = new SqliteCommand("SELECT COUNT(*) FROM outbox", connection, transaction);
            var dropped = (long)count.ExecuteScalar()!;
            Execute(connection, "DELETE FROM outbox; DELETE FROM client_sequences;", transaction);
            Log.IdentityReplaced(logger, new ClientStoreException(ClientStoreException.Corrupt, "The stored client id is unreadable."), path, clientId, dropped);
        }

        using var write = new SqliteCommand("INSERT INTO meta (key, value) VALUES ('client_id', $id) ON CONFLICT (key) DO UPDATE SET value = excluded.value", connection, transaction);
        write.Parameters.AddWithValue("$id", clientId);
        write.ExecuteNonQuery();
        transaction.Commit();
        return clientId;
    }

    private List<StoredChange> ReadOutbox(string documentId, SqliteTransaction transaction)
    {
        var outbox = new List<StoredChange>();
        var corrupt = new List<object>();
        using (var query = Command("SELECT client_seq, operations, held FROM outbox WHERE document_id = $id ORDER BY client_seq", transaction))
        {
            query.Parameters.AddWithValue("$id", documentId);
            using var reader = query.ExecuteReader();
            while (reader.Read())
            {
                var key = reader.GetValue(0);
                if (key is long clientSeq && clientSeq > 0 && DecodeOperations(reader.GetValue(1)) is { } operations)
                {
                    outbox.Add(new StoredChange(clientSeq, operations, reader.GetInt64(2) != 0));
                }
                else
                {
                    corrupt.Add(key);
                }
            }
        }

        foreach (var key in corrupt)
        {
            // The change cannot be sent as it was made; its sequence stays used (the counter is above it).
            Log.CorruptRow(_logger, new ClientStoreException(ClientStoreException.Corrupt, "An outbox row cannot be decoded."), documentId, $"outbox change {key}");
            using var delete = Command("DELETE FROM outbox WHERE document_id = $id AND client_seq IS $seq", transaction);
            delete.Parameters.AddWithValue("$id", documentId);
            delete.Parameters.AddWithValue("$seq", key);
            delete.ExecuteNonQuery();
        }

        return outbox;
    }

    private StoredSnapshot? ReadSnapshot(string documentId, SqliteTransaction transaction)
    {
        object sequenceValue;
        object snapshotValue;
        using (var query = Command("SELECT sequence, snapshot FROM documents WHERE document_id = $id", transaction))
        {
            query.Parameters.AddWithValue("$id", documentId);
            using var reader = query.ExecuteReader();
            if (!reader.Read())
            {
                return null;
            }

            sequenceValue = reader.GetValue(0);
            snapshotValue = reader.GetValue(1);
        }

        if (sequenceValue is long sequence && sequence >= 0 && DecodeOperations(snapshotValue, allowEmpty: true) is { } operations)
        {
            try
            {
                return new StoredSnapshot(sequence, JsonMap.Empty.Apply(operations));
            }
            catch (ArgumentException)
            {
                // Decodable but not a state (e.g. an operation a map cannot apply): as corrupt as unreadable bytes.
            }
        }

        // Showing a state we cannot trust would break the never-partial rule: forget it and download the document.
        Log.CorruptRow(_logger, new ClientStoreException(ClientStoreException.Corrupt, "A cached state cannot be decoded."), documentId, "cached state");
        using var delete = Command("DELETE FROM documents WHERE document_id = $id", transaction);
        delete.Parameters.AddWithValue("$id", documentId);
        delete.ExecuteNonQuery();
        return null;
    }

    private long ReadNextClientSeq(string documentId, List<StoredChange> outbox, bool hasSnapshot, SqliteTransaction transaction)
    {
        object? value;
        using (var query = Command("SELECT next_client_seq FROM client_sequences WHERE document_id = $id", transaction))
        {
            query.Parameters.AddWithValue("$id", documentId);
            value = query.ExecuteScalar();
        }

        var lowest = outbox.Count > 0 ? outbox[^1].ClientSeq + 1 : 1;
        long next;
        if (value is long stored && stored >= 1)
        {
            next = Math.Max(stored, lowest);
        }
        else if (value is null && outbox.Count == 0 && !hasSnapshot)
        {
            // A document this store has never seen: sequences start at 1.
            next = 1;
        }
        else
        {
            // Unreadable, or missing although the document was used (the row is written at first use): the true counter
            // is unknown and may be far above the outbox, so jump well past anything it can have reached.
            next = lowest + SequenceRecoveryGap;
            Log.SequenceRecovered(_logger, new ClientStoreException(ClientStoreException.Corrupt, "A client sequence counter is unreadable or missing."), documentId, next);
        }

        WriteNextClientSeq(documentId, next, transaction);
        return next;
    }

    private void WriteNextClientSeq(string documentId, long next, SqliteTransaction transaction)
    {
        using var upsert = Command("""
            INSERT INTO client_sequences (document_id, next_client_seq) VALUES ($id, $next)
            ON CONFLICT (document_id) DO UPDATE SET next_client_seq =
                CASE WHEN typeof(next_client_seq) = 'integer' AND next_client_seq > excluded.next_client_seq THEN next_client_seq ELSE excluded.next_client_seq END
            """, transaction);
        upsert.Parameters.AddWithValue("$id", documentId);
        upsert.Parameters.AddWithValue("$next", next);
        upsert.ExecuteNonQuery();
    }

    private void DeleteOutbox(string documentId, IReadOnlyCollection<long> clientSeqs, SqliteTransaction transaction)
    {
        if (clientSeqs.Count == 0)
        {
            return;
        }

        using var delete = Command("DELETE FROM outbox WHERE document_id = $id AND client_seq = $seq", transaction);
        delete.Parameters.AddWithValue("$id", documentId);
        var seq = delete.Parameters.Add("$seq", SqliteType.Integer);
        delete.Prepare();
        foreach (var clientSeq in clientSeqs)
        {
            seq.Value = clientSeq;
            delete.ExecuteNonQuery();
        }
    }

    // Operations as the wire encodes them, checked as the wire checks them: anything else is a corrupt row.
    private static IReadOnlyList<DocumentOperation>? DecodeOperations(object value, bool allowEmpty = false)
    {
        if (value is not byte[] bytes)
        {
            return null;
        }

        try
        {
            var operations = OperationJson.Deserialize(bytes);
            if ((operations.Count == 0 && !allowEmpty) || operations.Any(static o => o is null || o.Validate() is not null))
            {
                return null;
            }

            return operations;
        }
        catch (ProtocolException)
        {
            return null;
        }
    }

    private long TotalBytes()
    {
        using var query = Command("SELECT (SELECT COALESCE(SUM(size), 0) FROM documents) + (SELECT COALESCE(SUM(LENGTH(operations)), 0) FROM outbox)");
        return query.ExecuteScalar() is long total ? total : 0;
    }

    private long CountDocuments()
    {
        using var query = Command("SELECT COUNT(*) FROM documents");
        return (long)query.ExecuteScalar()!;
    }

    private long CountOutbox()
    {
        using var query = Command("SELECT COUNT(*) FROM outbox");
        return (long)query.ExecuteScalar()!;
    }

    private SqliteCommand Command(string sql, SqliteTransaction? transaction = null) => new(sql, _connection, transaction);

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = new SqliteCommand(sql, connection, transaction);
        command.ExecuteNonQuery();
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private static partial class Log
    {
        [LoggerMessage(EventId = 300, EventName = "ClientStoreOpened", Level = LogLevel.Information, Message = "Local store {Path} opened for client {ClientId}: {Documents} cached documents, {Pending} changes in the outbox.")]
        public static partial void Opened(ILogger logger, string path, string clientId, long documents, long pending);

        [LoggerMessage(EventId = 301, EventName = "ClientStoreCorruptRow", Level = LogLevel.Error, Message = "Local store: the {What} of document {DocumentId} is corrupt and was dropped; the document is downloaded again.")]
        public static partial void CorruptRow(ILogger logger, ClientStoreException exception, string documentId, string what);

        [LoggerMessage(EventId = 302, EventName = "ClientStoreSequenceRecovered", Level = LogLevel.Error, Message = "Local store: the client sequence counter of document {DocumentId} is corrupt; continuing at {Next} so that no sequence is reused.")]
        public static partial void SequenceRecovered(ILogger logger, ClientStoreException exception, string documentId, long next);

        [LoggerMessage(EventId = 303, EventName = "ClientStoreIdentityReplaced", Level = LogLevel.Error, Message = "Local store {Path}: the client id is corrupt; continuing as {ClientId} and dropping {Dropped} unsendable outbox changes.")]
        public static partial void IdentityReplaced(ILogger logger, ClientStoreException exception, string path, string clientId, long dropped);

        [LoggerMessage(EventId = 304, EventName = "ClientStoreEvicted", Level = LogLevel.Information, Message = "Local store: evicted {Count} least recently used documents; {Bytes} bytes cached (quota {Quota}).")]
        public static partial void Evicted(ILogger logger, int count, long bytes, long quota);

        [LoggerMessage(EventId = 305, EventName = "ClientStoreWriteFailed", Level = LogLevel.Error, Message = "Local store: change {ClientSeq} of document {DocumentId} could not be written.")]
        public static partial void WriteFailed(ILogger logger, Exception exception, string documentId, long clientSeq);
    }
}
