using Microsoft.Data.Sqlite;

namespace Converge.Bench;

/// <summary>
/// A copy of <c>SqliteChangeStore</c>'s write path with nothing around it: WAL, synchronous=FULL, the same table and
/// unique index, one transaction per append with one prepared insert per row.
/// </summary>
internal sealed class RawStore : IAsyncDisposable
{
    private readonly SqliteConnection _connection;

    private RawStore(SqliteConnection connection) => _connection = connection;

    public static async Task<RawStore> OpenAsync(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString());
        await connection.OpenAsync();
        using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA synchronous=FULL;
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS changes (
                document_id TEXT    NOT NULL,
                sequence    INTEGER NOT NULL,
                client_id   TEXT    NOT NULL,
                client_seq  INTEGER NOT NULL,
                operations  BLOB    NOT NULL,
                PRIMARY KEY (document_id, sequence)
            ) WITHOUT ROWID;
            CREATE UNIQUE INDEX IF NOT EXISTS changes_idempotency_key ON changes (document_id, client_id, client_seq);
            """;
        await command.ExecuteNonQueryAsync();
        return new RawStore(connection);
    }

    public async Task AppendAsync(IReadOnlyList<(long Sequence, string ClientId, long ClientSeq, byte[] Operations)> rows)
    {
        var transaction = (SqliteTransaction)await _connection.BeginTransactionAsync();
        await using (transaction)
        {
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT INTO changes (document_id, sequence, client_id, client_seq, operations) VALUES ($document, $sequence, $client, $clientSeq, $operations);";
            var document = command.Parameters.Add("$document", SqliteType.Text);
            var sequence = command.Parameters.Add("$sequence", SqliteType.Integer);
            var client = command.Parameters.Add("$client", SqliteType.Text);
            var clientSeq = command.Parameters.Add("$clientSeq", SqliteType.Integer);
            var operations = command.Parameters.Add("$operations", SqliteType.Blob);
            document.Value = "durable";
            foreach (var row in rows)
            {
                sequence.Value = row.Sequence;
                client.Value = row.ClientId;
                clientSeq.Value = row.ClientSeq;
                operations.Value = row.Operations;
                await command.ExecuteNonQueryAsync();
            }

            await transaction.CommitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        SqliteConnection.ClearPool(_connection);
        await _connection.DisposeAsync();
    }
}
