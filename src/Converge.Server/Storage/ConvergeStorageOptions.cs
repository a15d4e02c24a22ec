namespace Converge.Server.Storage;

/// <summary>
/// Where the change log lives and how it is kept short: the store (SQLite by default, PostgreSQL with
/// <see cref="UsePostgres"/>), how commits of different documents share transactions, checkpoints, log retention and
/// passivation of idle documents. See docs/storage.md.
/// </summary>
public sealed class ConvergeStorageOptions
{
    /// <summary>
    /// The PostgreSQL connection string (Npgsql syntax). <see langword="null"/> (the default) keeps the SQLite file at
    /// <see cref="ConvergeServerOptions.DatabasePath"/>. Set it with <see cref="UsePostgres"/>.
    /// </summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>The PostgreSQL schema the tables live in, created when missing. Default <c>converge</c>; lower-case
    /// letters, digits and '_', starting with a letter or '_', at most 63 characters.</summary>
    public string PostgresSchema { get; set; } = "converge";

    /// <summary>Whether the change log is in PostgreSQL (otherwise SQLite).</summary>
    public bool IsPostgres => PostgresConnectionString is not null;

    /// <summary>
    /// A document's authority writes a checkpoint (its state, head and each client's progress) once this many changes
    /// were committed since the last one. Default 1,000 (at least 1). Checkpoints are written off the commit path.
    /// </summary>
    public int CheckpointEveryChanges { get; set; } = 1000;

    /// <summary>
    /// …or once this long has passed since the last checkpoint with at least one change committed since. Default 30 s.
    /// </summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many changes the log keeps behind the head even when a checkpoint covers them, so that clients a little
    /// behind resume by replay instead of a snapshot. Default 1,000; 0 keeps none beyond <see cref="LogRetention"/>.
    /// </summary>
    public int RetainedChanges { get; set; } = 1000;

    /// <summary>
    /// How long a change stays in the log after a checkpoint covered it. A change is truncated only once both this
    /// and <see cref="RetainedChanges"/> allow it. Default 10 minutes; <see cref="TimeSpan.Zero"/> truncates as soon
    /// as the count allows. <see cref="Timeout.InfiniteTimeSpan"/> never truncates.
    /// </summary>
    public TimeSpan LogRetention { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// An authority with no subscribed session and no command for this long writes a checkpoint if it has changes
    /// since the last one and leaves memory; the next use loads it again (checkpoint + log tail). Default 5 minutes.
    /// </summary>
    public TimeSpan PassivateAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Cross-document group commit: the commit groups of different documents that are waiting at the same time are
    /// written in one store transaction (one fsync) of at most this many changes; a larger group still goes alone.
    /// Default 4,096. 0 turns it off: each document's authority commits its own group in its own transaction (on
    /// SQLite they then queue for the single writer one by one). See docs/storage.md §2.
    /// </summary>
    public int MaxChangesPerTransaction { get; set; } = 4096;

    /// <summary>Keeps the change log in PostgreSQL instead of SQLite.</summary>
    /// <param name="connectionString">An Npgsql connection string, e.g. <c>Host=127.0.0.1;Username=converge;Password=…;Database=converge</c>.</param>
    /// <param name="schema">The schema for Converge's tables (created when missing). Default <c>converge</c>.</param>
    /// <returns>These options.</returns>
    public ConvergeStorageOptions UsePostgres(string connectionString, string schema = "converge")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        PostgresConnectionString = connectionString;
        PostgresSchema = schema;
        return this;
    }

    internal static bool IsValidSchemaName(string? schema) =>
        schema is { Length: > 0 and <= 63 } && (char.IsAsciiLetterLower(schema[0]) || schema[0] == '_')
        && schema.All(static c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');

    internal IEnumerable<string> Validate()
    {
        if (PostgresConnectionString is { } connectionString)
        {
            string? problem = null;
            try
            {
                var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
                if (string.IsNullOrEmpty(builder.Host))
                {
                    problem = $"Storage.{nameof(PostgresConnectionString)} names no Host.";
                }
            }
            catch (ArgumentException ex)
            {
                problem = $"Storage.{nameof(PostgresConnectionString)} is not a valid connection string: {ex.Message}";
            }

            if (problem is not null)
            {
                yield return problem;
            }

            if (!IsValidSchemaName(PostgresSchema))
            {
                yield return $"Storage.{nameof(PostgresSchema)} must be lower-case letters, digits and '_', starting with a letter or '_', at most 63 characters; it is '{PostgresSchema}'.";
            }
        }

        if (CheckpointEveryChanges < 1)
        {
            yield return $"Storage.{nameof(CheckpointEveryChanges)} must be at least 1; it is {CheckpointEveryChanges}.";
        }

        if (CheckpointInterval <= TimeSpan.Zero)
        {
            yield return $"Storage.{nameof(CheckpointInterval)} must be positive; it is {CheckpointInterval}.";
        }

        if (RetainedChanges < 0)
        {
            yield return $"Storage.{nameof(RetainedChanges)} must be 0 or more; it is {RetainedChanges}.";
        }

        if (LogRetention < TimeSpan.Zero && LogRetention != Timeout.InfiniteTimeSpan)
        {
            yield return $"Storage.{nameof(LogRetention)} must be zero, positive or infinite; it is {LogRetention}.";
        }

        if (MaxChangesPerTransaction < 0)
        {
            yield return $"Storage.{nameof(MaxChangesPerTransaction)} must be 0 (off) or more; it is {MaxChangesPerTransaction}.";
        }

        if (PassivateAfter <= TimeSpan.Zero)
        {
            yield return $"Storage.{nameof(PassivateAfter)} must be positive; it is {PassivateAfter}.";
        }
    }
}
