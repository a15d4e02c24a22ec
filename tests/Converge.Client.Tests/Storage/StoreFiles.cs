using Converge.Client.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Converge.Client.Tests.Storage;

/// <summary>A store file of its own per test, and raw SQL on it while no store holds it (to corrupt rows).</summary>
internal sealed class StoreFiles : IDisposable
{
    private readonly string _directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "converge-client-tests", Guid.NewGuid().ToString("N"));

    public StoreFiles() => Directory.CreateDirectory(_directory);

    public string Path => System.IO.Path.Combine(_directory, "store.db");

    public LocalStoreOptions Options(long quota = LocalStoreOptions.DefaultCacheQuotaBytes) => new() { Path = Path, CacheQuotaBytes = quota };

    public SqliteClientStore Open(string? clientId = null, ILogger? logger = null, long quota = LocalStoreOptions.DefaultCacheQuotaBytes) =>
        SqliteClientStore.Open(Options(quota), clientId, logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, TimeSpan.FromSeconds(1));

    public void Execute(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString());
        connection.Open();
        using var command = new SqliteCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
