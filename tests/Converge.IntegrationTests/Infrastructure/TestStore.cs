using Converge.Server;
using Converge.Server.Storage;
using Converge.Testing.Postgres;
using Microsoft.Extensions.Logging.Abstractions;

namespace Converge.IntegrationTests.Infrastructure;

/// <summary>The stores the storage integration tests run against.</summary>
public enum StoreKind
{
    Sqlite,
    Postgres,
}

/// <summary>
/// A test class's own database for one kind of store (a temporary SQLite file or a fresh PostgreSQL schema): server
/// options or host arguments that point at it, and direct access to check what is in it.
/// </summary>
internal sealed class TestStore : IAsyncDisposable
{
    private readonly DirectoryInfo? _directory;
    private readonly string? _connectionString;
    private readonly string? _schema;

    private TestStore(DirectoryInfo directory) => _directory = directory;

    private TestStore(string connectionString, string schema)
    {
        _connectionString = connectionString;
        _schema = schema;
    }

    public string DatabasePath => Path.Combine(_directory?.FullName ?? Path.GetTempPath(), "log.db");

    /// <summary>Arguments for tests/Converge.ServerHost after the port.</summary>
    public IReadOnlyList<string> HostArguments => _directory is not null ? ["sqlite", DatabasePath] : ["postgres", _connectionString!, _schema!];

    /// <exception cref="InvalidOperationException">PostgreSQL is required (scripts/test.sh) but not configured.</exception>
    public static async Task<TestStore> CreateAsync(StoreKind kind)
    {
        if (kind == StoreKind.Sqlite)
        {
            return new TestStore(Directory.CreateTempSubdirectory("converge-store-it-"));
        }

        if (PostgresTestDatabase.ConnectionString is not { } connectionString)
        {
            if (PostgresTestDatabase.IsRequired)
            {
                throw new InvalidOperationException(PostgresTestDatabase.MissingReason);
            }

            Assert.Skip(PostgresTestDatabase.MissingReason);
            throw new System.Diagnostics.UnreachableException();
        }

        return new TestStore(connectionString, await PostgresTestDatabase.CreateSchemaAsync(connectionString, "it"));
    }

    public void Configure(ConvergeServerOptions options)
    {
        if (_directory is null)
        {
            options.UsePostgres(_connectionString!, _schema!);
        }
    }

    internal IChangeStore Open() => _directory is not null
        ? new SqliteChangeStore(DatabasePath, NullLogger<SqliteChangeStore>.Instance)
        : new PostgresChangeStore(_connectionString!, _schema!, NullLogger<PostgresChangeStore>.Instance);

    public async ValueTask DisposeAsync()
    {
        if (_directory is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            _directory.Delete(recursive: true);
        }
        else
        {
            await PostgresTestDatabase.DropSchemaAsync(_connectionString!, _schema!);
        }
    }
}
