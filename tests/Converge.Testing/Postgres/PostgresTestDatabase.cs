using Npgsql;

namespace Converge.Testing.Postgres;

/// <summary>
/// The PostgreSQL the tests use: <c>CONVERGE_TEST_POSTGRES</c> (set by scripts/test.sh from what scripts/setup.sh
/// started). Each test class takes a schema of its own (<see cref="CreateSchemaAsync"/>), so classes run in parallel
/// on one database, and drops it when done.
/// </summary>
public static class PostgresTestDatabase
{
    /// <summary>The variable holding the Npgsql connection string.</summary>
    public const string Variable = "CONVERGE_TEST_POSTGRES";

    /// <summary>Set to 1 by scripts/test.sh (and so CI): PostgreSQL tests then fail, never skip, without a database.</summary>
    public const string RequiredVariable = "CONVERGE_REQUIRE_POSTGRES";

    /// <summary>The connection string, or <see langword="null"/> when the variable is not set.</summary>
    public static string? ConnectionString => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : null;

    /// <summary>Whether a missing database must fail the tests (under scripts/test.sh) rather than skip them.</summary>
    public static bool IsRequired => Environment.GetEnvironmentVariable(RequiredVariable) == "1";

    /// <summary>Why there is no database, for the failure or skip message.</summary>
    public static string MissingReason =>
        $"{Variable} is not set, so there is no PostgreSQL to test the PostgreSQL store against. scripts/test.sh sets it from " +
        "artifacts/postgres-connection, which scripts/setup.sh writes once it has started a cluster on 127.0.0.1; if setup " +
        "printed 'PostgreSQL could not be started', that is the cause (see its output and /var/log/postgresql).";

    /// <summary>Creates an empty schema with a unique name and returns the name.</summary>
    public static async Task<string> CreateSchemaAsync(string connectionString, string prefix)
    {
        var schema = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(63, prefix.Length + 33)].ToLowerInvariant();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand($"CREATE SCHEMA \"{schema}\";");
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        return schema;
    }

    /// <summary>Drops a schema made by <see cref="CreateSchemaAsync"/> with everything in it.</summary>
    public static async Task DropSchemaAsync(string connectionString, string schema)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE;");
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }
}
