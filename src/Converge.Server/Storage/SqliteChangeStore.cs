using Converge.Protocol.Codecs;
using Converge.Protocol.Frames;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Converge.Server.Storage;

/// <summary>
/// The embedded default store: one SQLite file in WAL mode with <c>synchronous=FULL</c>, so a committed
/// append survives a process kill and a power cut. Writes are serialized in-process (SQLite allows one writer
/// anyway, and waiting on a semaphore is cheaper than SQLite's busy loop); reads use pooled connections and
/// never block the writer thanks to WAL. <see cref="GroupCommitter"/> feeds it several documents' commit groups per
/// transaction, so one fsync serves them all.
/// </summary>
internal sealed partial class SqliteChangeStore : IChangeStore
{
    private const int SchemaVersion = 2;

    private readonly string _connectionString;
    private readonly ILogger<SqliteChangeStore> _logger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private SqliteConnection? _writer;
    private bool _disposed;

    public SqliteChangeStore(string databasePath, ILogger<SqliteChangeStore> logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(databasePath);
        DatabasePath = Path.GetFullPath(databasePath);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        _logger = logger;
    }

    public string DatabasePath { get; }

    // SQLite has one writer: a second transaction in flight would only wait for the lock with fewer batches in it.
    public int ConcurrentTransactions => 1;

    public async ValueTask InitializeAsync(CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(DatabasePath);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _writer ??= await OpenAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(_writer, "PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(_writer, $"""
                CREATE TABLE IF NOT EXISTS changes (
                    document_id TEXT    NOT NULL,
                    sequence    INTEGER NOT NULL,
                    client_id   TEXT    NOT NULL,
                    client_seq  INTEGER NOT NULL,
                    operations  BLOB    NOT NULL,
                    PRIMARY KEY (document_id, sequence)
                ) WITHOUT ROWID;
                CREATE UNIQUE INDEX IF NOT EXISTS changes_idempotency_key ON changes (document_id, client_id, client_seq);
                CREATE TABLE IF NOT EXISTS checkpoints (
                    document_id TEXT    NOT NULL PRIMARY KEY,
                    sequence    INTEGER NOT NULL,
                    state       BLOB    NOT NULL,
                    clients     BLOB    NOT NULL
                ) WITHOUT ROWID;
                PRAGMA user_version = {SchemaVersion};
                """, cancellationToken).ConfigureAwait(false);
            Log.Initialized(_logger, DatabasePath);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async ValueTask<IReadOnlyList<ServerChange>> ReadAsync(string documentId, long afterSequence, int maxCount, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT sequence, client_id, client_seq, operations FROM changes
                WHERE document_id = $document AND sequence > $after
                ORDER BY sequence LIMIT $limit;
                """;
            command.Parameters.AddWithValue("$document", documentId);
            command.Parameters.AddWithValue("$after", afterSequence);
            command.Parameters.AddWithValue("$limit", maxCount);
            var changes = new List<ServerChange>();
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var operations = OperationJson.Deserialize((byte[])reader.GetValue(3));
                    changes.Add(new ServerChange(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), operations));
                }
            }

            return changes;
        }
    }

    public ValueTask AppendAsync(string documentId, IReadOnlyList<ServerChange> changes, CancellationToken cancellationToken) =>
        AppendManyAsync([new DocumentBatch(documentId, changes)], cancellationToken);

    public async ValueTask AppendManyAsync(IReadOnlyList<DocumentBatch> batches, CancellationToken cancellationToken)
    {
        if (batches.All(static b => b.Changes.Count == 0))
        {
            return;
        }

        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _writer ??= await OpenAsync(cancellationToken).ConfigureAwait(false);
            var transaction = (SqliteTransaction)await _writer.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                using var command = _writer.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = """
                    INSERT INTO changes (document_id, sequence, client_id, client_seq, operations)
                    VALUES ($document, $sequence, $client, $clientSeq, $operations);
                    """;
                var document = command.Parameters.Add("$document", SqliteType.Text);
                var sequence = command.Parameters.Add("$sequence", SqliteType.Integer);
                var client = command.Parameters.Add("$client", SqliteType.Text);
                var clientSeq = command.Parameters.Add("$clientSeq", SqliteType.Integer);
                var operations = command.Parameters.Add("$operations", SqliteType.Blob);
                foreach (var batch in batches)
                {
                    document.Value = batch.DocumentId;
                    foreach (var change in batch.Changes)
                    {
                        sequence.Value = change.Sequence;
                        client.Value = change.ClientId;
                        clientSeq.Value = change.ClientSeq;
                        operations.Value = OperationJson.Serialize(change.Operations);
                        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }
                }

                // One commit, one fsync of the WAL, for every batch.
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async ValueTask<long?> FindSequenceAsync(string documentId, string clientId, long clientSeq, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT sequence FROM changes WHERE document_id = $document AND client_id = $client AND client_seq = $clientSeq;";
            command.Parameters.AddWithValue("$document", documentId);
            command.Parameters.AddWithValue("$client", clientId);
            command.Parameters.AddWithValue("$clientSeq", clientSeq);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long found ? found : null;
        }
    }

    public async ValueTask<DocumentCheckpoint?> ReadCheckpointAsync(string documentId, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT sequence, state, clients FROM checkpoints WHERE document_id = $document;";
            command.Parameters.AddWithValue("$document", documentId);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }

                return new DocumentCheckpoint(reader.GetInt64(0), OperationJson.Deserialize((byte[])reader.GetValue(1)),
                    CheckpointClientsJson.Deserialize((byte[])reader.GetValue(2)));
            }
        }
    }

    public async ValueTask WriteCheckpointAsync(string documentId, DocumentCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var state = OperationJson.Serialize(checkpoint.State);
        var clients = CheckpointClientsJson.Serialize(checkpoint.Clients);
        await WriteAsync(async writer =>
        {
            using var command = writer.CreateCommand();
            command.CommandText = """
                INSERT INTO checkpoints (document_id, sequence, state, clients) VALUES ($document, $sequence, $state, $clients)
                ON CONFLICT (document_id) DO UPDATE SET sequence = excluded.sequence, state = excluded.state, clients = excluded.clients
                WHERE excluded.sequence > checkpoints.sequence;
                """;
            command.Parameters.AddWithValue("$document", documentId);
            command.Parameters.AddWithValue("$sequence", checkpoint.Sequence);
            command.Parameters.AddWithValue("$state", state);
            command.Parameters.AddWithValue("$clients", clients);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<long> TruncateAsync(string documentId, long throughSequence, CancellationToken cancellationToken) =>
        await WriteAsync(async writer =>
        {
            using var command = writer.CreateCommand();
            command.CommandText = "DELETE FROM changes WHERE document_id = $document AND sequence <= $through;";
            command.Parameters.AddWithValue("$document", documentId);
            command.Parameters.AddWithValue("$through", throughSequence);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_writer is not null)
            {
                // Release the file so a restarted server (or a test's cleanup) finds it unlocked.
                SqliteConnection.ClearPool(_writer);
                await _writer.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    // One statement on the writer connection (its own implicit transaction, fsynced like an append).
    private async ValueTask<int> WriteAsync(Func<SqliteConnection, Task<int>> write, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _writer ??= await OpenAsync(cancellationToken).ConfigureAwait(false);
            return await write(_writer).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async ValueTask<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        // synchronous is per connection; FULL makes every commit an fsync of the WAL: durable before the ack.
        await ExecuteAsync(connection, "PRAGMA synchronous=FULL;", cancellationToken).ConfigureAwait(false);
        return connection;
    }

    private static async ValueTask ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "StoreInitialized", Level = LogLevel.Information, Message = "SQLite change store ready at {Path} (WAL, synchronous=FULL).")]
        public static partial void Initialized(ILogger logger, string path);
    }
}
