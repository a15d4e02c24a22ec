using Converge.Protocol.Codecs;
using Converge.Protocol.Frames;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Converge.Server.Storage;

/// <summary>
/// The PostgreSQL store (<see cref="ConvergeStorageOptions.PostgresConnectionString"/>): the same tables and guarantees
/// as <see cref="SqliteChangeStore"/>, in a schema of their own. Each append is one transaction, committed with
/// <c>synchronous_commit=on</c> (the WAL is flushed before the commit returns), so an acknowledged change survives a
/// crash of the server or of PostgreSQL. <see cref="GroupCommitter"/> writes several documents' commit groups in
/// one such statement; reads, checkpoints and truncations take connections from Npgsql's pool and run in parallel.
/// </summary>
internal sealed partial class PostgresChangeStore : IChangeStore
{
    private const int SchemaVersion = 2;

    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger<PostgresChangeStore> _logger;
    private readonly string _changes;
    private readonly string _checkpoints;

    public PostgresChangeStore(string connectionString, string schema, ILogger<PostgresChangeStore> logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        if (!ConvergeStorageOptions.IsValidSchemaName(schema))
        {
            throw new ArgumentException($"'{schema}' is not a valid schema name (lower-case letters, digits and '_', at most 63).", nameof(schema));
        }

        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        // Durable before acknowledged, whatever the server's or the role's default: a commit returns once its WAL is
        // flushed. Appended to the caller's own startup options; the last -c of a setting wins.
        builder.Options = $"{builder.Options} -c synchronous_commit=on".TrimStart();
        Schema = schema;
        _changes = $"\"{schema}\".changes";
        _checkpoints = $"\"{schema}\".checkpoints";
        _dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        _logger = logger;
        Host = builder.Host ?? "(default)";
        Database = builder.Database ?? "(default)";
    }

    public string Schema { get; }

    // Enough to overlap round trips and let PostgreSQL flush several commits' WAL at once, few enough that each holds
    // many documents' groups under load (benchmarks.md); far below Npgsql's default pool of 100.
    public int ConcurrentTransactions => 4;

    private string Host { get; }

    private string Database { get; }

    public async ValueTask InitializeAsync(CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                // One server per schema; the advisory lock only keeps two hosts starting at once from racing on CREATE.
                using var command = new NpgsqlCommand($"""
                    SELECT pg_advisory_xact_lock(hashtext('converge:{Schema}'));
                    CREATE SCHEMA IF NOT EXISTS "{Schema}";
                    CREATE TABLE IF NOT EXISTS {_changes} (
                        document_id text   NOT NULL,
                        sequence    bigint NOT NULL,
                        client_id   text   NOT NULL,
                        client_seq  bigint NOT NULL,
                        operations  bytea  NOT NULL,
                        PRIMARY KEY (document_id, sequence)
                    );
                    CREATE UNIQUE INDEX IF NOT EXISTS changes_idempotency_key ON {_changes} (document_id, client_id, client_seq);
                    CREATE TABLE IF NOT EXISTS {_checkpoints} (
                        document_id text   NOT NULL PRIMARY KEY,
                        sequence    bigint NOT NULL,
                        state       bytea  NOT NULL,
                        clients     bytea  NOT NULL
                    );
                    COMMENT ON SCHEMA "{Schema}" IS 'Converge change log, schema version {SchemaVersion}';
                    """, connection, transaction);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        Log.Initialized(_logger, Host, Database, Schema);
    }

    public async ValueTask<IReadOnlyList<ServerChange>> ReadAsync(string documentId, long afterSequence, int maxCount, CancellationToken cancellationToken)
    {
        using var command = _dataSource.CreateCommand($"""
            SELECT sequence, client_id, client_seq, operations FROM {_changes}
            WHERE document_id = $1 AND sequence > $2 ORDER BY sequence LIMIT $3;
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = documentId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = afterSequence });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = maxCount });
        var changes = new List<ServerChange>();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var operations = OperationJson.Deserialize(reader.GetFieldValue<byte[]>(3));
                changes.Add(new ServerChange(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), operations));
            }
        }

        return changes;
    }

    public ValueTask AppendAsync(string documentId, IReadOnlyList<ServerChange> changes, CancellationToken cancellationToken) =>
        AppendManyAsync([new DocumentBatch(documentId, changes)], cancellationToken);

    public async ValueTask AppendManyAsync(IReadOnlyList<DocumentBatch> batches, CancellationToken cancellationToken)
    {
        var changes = batches.SelectMany(static b => b.Changes.Select(c => (b.DocumentId, Change: c))).ToList();
        if (changes.Count == 0)
        {
            return;
        }

        // One statement, one round trip, one transaction (autocommit): every batch or none.
        using var command = _dataSource.CreateCommand($"""
            INSERT INTO {_changes} (document_id, sequence, client_id, client_seq, operations)
            SELECT d, s, c, cs, o FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::bytea[]) AS batch(d, s, c, cs, o);
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = changes.Select(static c => c.DocumentId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = changes.Select(static c => c.Change.Sequence).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = changes.Select(static c => c.Change.ClientId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = changes.Select(static c => c.Change.ClientSeq).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<byte[][]>
        {
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea,
            TypedValue = changes.Select(static c => OperationJson.Serialize(c.Change.Operations)).ToArray(),
        });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<long?> FindSequenceAsync(string documentId, string clientId, long clientSeq, CancellationToken cancellationToken)
    {
        using var command = _dataSource.CreateCommand($"SELECT sequence FROM {_changes} WHERE document_id = $1 AND client_id = $2 AND client_seq = $3;");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = documentId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = clientId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = clientSeq });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long found ? found : null;
    }

    public async ValueTask<DocumentCheckpoint?> ReadCheckpointAsync(string documentId, CancellationToken cancellationToken)
    {
        using var command = _dataSource.CreateCommand($"SELECT sequence, state, clients FROM {_checkpoints} WHERE document_id = $1;");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = documentId });
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            return new DocumentCheckpoint(reader.GetInt64(0), OperationJson.Deserialize(reader.GetFieldValue<byte[]>(1)),
                CheckpointClientsJson.Deserialize(reader.GetFieldValue<byte[]>(2)));
        }
    }

    public async ValueTask WriteCheckpointAsync(string documentId, DocumentCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        using var command = _dataSource.CreateCommand($"""
            INSERT INTO {_checkpoints} AS current (document_id, sequence, state, clients) VALUES ($1, $2, $3, $4)
            ON CONFLICT (document_id) DO UPDATE SET sequence = excluded.sequence, state = excluded.state, clients = excluded.clients
            WHERE excluded.sequence > current.sequence;
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = documentId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = checkpoint.Sequence });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = OperationJson.Serialize(checkpoint.State) });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = CheckpointClientsJson.Serialize(checkpoint.Clients) });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<long> TruncateAsync(string documentId, long throughSequence, CancellationToken cancellationToken)
    {
        using var command = _dataSource.CreateCommand($"DELETE FROM {_changes} WHERE document_id = $1 AND sequence <= $2;");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = documentId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = throughSequence });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private static partial class Log
    {
        [LoggerMessage(EventId = 2, EventName = "PostgresStoreInitialized", Level = LogLevel.Information, Message = "PostgreSQL change store ready on {Host}, database {Database}, schema {Schema} (synchronous_commit=on).")]
        public static partial void Initialized(ILogger logger, string host, string database, string schema);
    }
}
