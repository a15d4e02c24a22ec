using Converge.Server.Storage;
using Converge.Testing.Postgres;
using Microsoft.Extensions.Logging.Abstractions;

namespace Converge.Server.Tests.Storage;

/// <summary>
/// One test class's own database for one kind of store: a temporary SQLite file, or a fresh PostgreSQL schema
/// (so classes run in parallel). Opens as many store instances on it as a test needs (a reopen is a restart).
/// </summary>
internal abstract class StoreTarget : IAsyncDisposable
{
    public abstract IChangeStore Open();

    /// <summary>Points server options at this database.</summary>
    public abstract void Configure(ConvergeServerOptions options);

    public abstract ValueTask DisposeAsync();

    /// <exception cref="InvalidOperationException">PostgreSQL is required (scripts/test.sh) but not configured.</exception>
    public static async Task<StoreTarget> CreateAsync(StoreKind kind) => kind switch
    {
        StoreKind.Sqlite => new SqliteTarget(),
        _ => await PostgresTarget.CreateAsync(),
    };

    private sealed class SqliteTarget : StoreTarget
    {
        private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("converge-store-");

        private string Path => System.IO.Path.Combine(_directory.FullName, "log.db");

        public override IChangeStore Open() => new SqliteChangeStore(Path, NullLogger<SqliteChangeStore>.Instance);

        public override void Configure(ConvergeServerOptions options) => options.DatabasePath = Path;

        public override ValueTask DisposeAsync()
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            _directory.Delete(recursive: true);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class PostgresTarget(string connectionString, string schema) : StoreTarget
    {
        public static async Task<StoreTarget> CreateAsync()
        {
            if (PostgresTestDatabase.ConnectionString is not { } connectionString)
            {
                if (PostgresTestDatabase.IsRequired)
                {
                    throw new InvalidOperationException(PostgresTestDatabase.MissingReason);
                }

                Assert.Skip(PostgresTestDatabase.MissingReason);
                throw new System.Diagnostics.UnreachableException();
            }

            return new PostgresTarget(connectionString, await PostgresTestDatabase.CreateSchemaAsync(connectionString, "store"));
        }

        public override IChangeStore Open() => new PostgresChangeStore(connectionString, schema, NullLogger<PostgresChangeStore>.Instance);

        public override void Configure(ConvergeServerOptions options) => options.UsePostgres(connectionString, schema);

        public override async ValueTask DisposeAsync() => await PostgresTestDatabase.DropSchemaAsync(connectionString, schema);
    }
}
