namespace Converge.Client.Storage;

/// <summary>
/// The client's local store: a SQLite file that keeps this client's identity, every open document's confirmed state
/// and cursor, and the outbox of changes the server has not acknowledged yet, so that a restarted app shows its
/// documents at once (offline too) and loses no change it handed out a receipt for. See <c>docs/offline.md</c>.
/// </summary>
/// <remarks>
/// Needs SQLite's native library, which .NET on Windows, Linux and macOS gets from the Microsoft.Data.Sqlite package.
/// Blazor WebAssembly has none: give it a <see cref="StoreFactory"/> over browser storage there, or leave
/// <see cref="ConvergeClientOptions.LocalStore"/> unset (documents then live in memory only). One store belongs to one client at a time: a second client (or process) opening the same file
/// gets a <see cref="ClientStoreException"/> (<c>store_in_use</c>).
/// </remarks>
public sealed class LocalStoreOptions
{
    /// <summary>Default <see cref="CacheQuotaBytes"/>: 64 MiB.</summary>
    public const long DefaultCacheQuotaBytes = 64L * 1024 * 1024;

    /// <summary>Default <see cref="SnapshotInterval"/>: 5 seconds.</summary>
    public static readonly TimeSpan DefaultSnapshotInterval = TimeSpan.FromSeconds(5);

    /// <summary>Default <see cref="SnapshotChangeCount"/>: 500 changes.</summary>
    public const int DefaultSnapshotChangeCount = 500;

    /// <summary>The SQLite file, created (with its folder) when missing. Required unless <see cref="StoreFactory"/> is set.</summary>
    public string? Path { get; set; }

    /// <summary>
    /// Makes a custom store instead of the SQLite file at <see cref="Path"/>: for platforms without SQLite, such as
    /// Blazor WebAssembly (browser storage through JavaScript interop). Called once when the client is created, with
    /// <see cref="ConvergeClientOptions.ClientId"/> (<see langword="null"/>: the store keeps or makes its own identity); the client
    /// owns the store and disposes it. The store must keep the guarantees <see cref="IClientStore"/> documents — above
    /// all, a change appended is durable before <see cref="IClientStore.AppendChange"/> returns. Default: none.
    /// </summary>
    public Func<string?, IClientStore>? StoreFactory { get; set; }

    /// <summary>
    /// How many bytes of cached documents (confirmed states and outboxes, as stored) the store aims to keep. When a
    /// snapshot write takes it over the quota, the least recently used documents are dropped from the cache until it
    /// fits — never a document with unacknowledged changes, and never one open in this client; the store exceeds the
    /// quota when those alone do. Default <see cref="DefaultCacheQuotaBytes"/> (64 MiB); at least 1 KiB.
    /// </summary>
    public long CacheQuotaBytes { get; set; } = DefaultCacheQuotaBytes;

    /// <summary>
    /// How long after its confirmed state changes a document's snapshot is written at the latest (counted from the
    /// first unsaved change, so a busy document is still written regularly). A snapshot is only a cache: what a crash
    /// loses of it is downloaded again from the stored cursor; local changes never wait for it (they are written
    /// before their receipt). Default <see cref="DefaultSnapshotInterval"/> (5 s); between 10 ms and 1 hour.
    /// </summary>
    public TimeSpan SnapshotInterval { get; set; } = DefaultSnapshotInterval;

    /// <summary>
    /// Writes a document's snapshot before <see cref="SnapshotInterval"/> has passed once this many confirmed changes
    /// are unsaved, bounding what a restart has to download again. Default <see cref="DefaultSnapshotChangeCount"/>;
    /// between 1 and 1,000,000.
    /// </summary>
    public int SnapshotChangeCount { get; set; } = DefaultSnapshotChangeCount;

    /// <summary>
    /// Whether every write is flushed to the disk before it counts (SQLite <c>synchronous=FULL</c>): a receipt then
    /// survives a power cut, not only a crash of the app. With <see langword="false"/> (<c>synchronous=NORMAL</c> in
    /// WAL mode) writes are cheaper and still survive the process being killed, but the last ones may be lost when the
    /// machine itself goes down. Default <see langword="true"/>.
    /// </summary>
    public bool DurableOnPowerLoss { get; set; } = true;

    /// <summary>Checks every value; called when the client is created.</summary>
    /// <exception cref="ArgumentException">A value is out of range; the message names it.</exception>
    internal void Validate()
    {
        if (StoreFactory is null && string.IsNullOrWhiteSpace(Path))
        {
            throw new ArgumentException($"{nameof(LocalStoreOptions)}.{nameof(Path)} is required (unless StoreFactory is set): the SQLite file to keep the local store in.", nameof(Path));
        }

        if (CacheQuotaBytes < 1024)
        {
            throw new ArgumentException($"{nameof(LocalStoreOptions)}.{nameof(CacheQuotaBytes)} must be at least 1024 bytes; it is {CacheQuotaBytes}.", nameof(CacheQuotaBytes));
        }

        if (SnapshotInterval < TimeSpan.FromMilliseconds(10) || SnapshotInterval > TimeSpan.FromHours(1))
        {
            throw new ArgumentException($"{nameof(LocalStoreOptions)}.{nameof(SnapshotInterval)} must be between 10 ms and 1 hour; it is {SnapshotInterval}.", nameof(SnapshotInterval));
        }

        if (SnapshotChangeCount is < 1 or > 1_000_000)
        {
            throw new ArgumentException($"{nameof(LocalStoreOptions)}.{nameof(SnapshotChangeCount)} must be between 1 and 1,000,000; it is {SnapshotChangeCount}.", nameof(SnapshotChangeCount));
        }
    }
}
