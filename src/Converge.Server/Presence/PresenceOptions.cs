namespace Converge.Server.Presence;

/// <summary>
/// The server's presence knobs (<see cref="ConvergeServerOptions.Presence"/>), with their defaults. Presence lives in
/// memory only: nothing here is ever written to the change log. Validated at startup with the other options.
/// </summary>
public sealed class PresenceOptions
{
    /// <summary>
    /// How long a connection stays present after its session ended without a goodbye (<c>presenceLeave</c>): a crash,
    /// a lost network, a reconnect in progress. Counted from when the session was last heard from. Default 45 s (three
    /// of the clients' 15 s heartbeats). A client that reconnects within it resumes its entry with no leave or join.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>
    /// The time between two batches of a room's changes, each coalesced latest-wins (a changed user appears once per
    /// batch, as they are at that moment). Default 50 ms, so a receiver gets at most 20 presence frames a second per
    /// document however fast cursors move; the first change after a quiet spell goes out at once. 10 ms to 1 s.
    /// </summary>
    public TimeSpan BatchInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Above this many users a room stops listing them: sessions get aggregated counts (users, connections) instead
    /// of lists, diffs and cursors. Default 100; at least 1.
    /// </summary>
    public int MaxListedUsers { get; set; } = 100;

    /// <summary>The largest metadata object a connection may set, in bytes of UTF-8 JSON. Default 4 KiB (256 B to 64 KiB).</summary>
    public int MaxMetadataBytes { get; set; } = 4 * 1024;

    /// <summary>The largest cursor (position plus selection) a connection may set, in bytes of UTF-8 JSON. Default 1 KiB (64 B to 64 KiB).</summary>
    public int MaxCursorBytes { get; set; } = 1024;

    /// <summary>How long a typing indicator lasts unless the connection says it again. Default 5 s.</summary>
    public TimeSpan TypingTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The most documents one session may be present in at once. Default 100; at least 1.</summary>
    public int MaxDocumentsPerSession { get; set; } = 100;

    internal IEnumerable<string> Validate()
    {
        if (Timeout <= TimeSpan.Zero)
        {
            yield return $"{nameof(Presence)}.{nameof(Timeout)} must be positive; it is {Timeout}.";
        }

        if (BatchInterval < TimeSpan.FromMilliseconds(10) || BatchInterval > TimeSpan.FromSeconds(1))
        {
            yield return $"{nameof(Presence)}.{nameof(BatchInterval)} must be from 10 ms to 1 s; it is {BatchInterval}.";
        }

        if (TypingTimeout <= TimeSpan.Zero)
        {
            yield return $"{nameof(Presence)}.{nameof(TypingTimeout)} must be positive; it is {TypingTimeout}.";
        }

        if (MaxListedUsers < 1)
        {
            yield return $"{nameof(Presence)}.{nameof(MaxListedUsers)} must be at least 1; it is {MaxListedUsers}.";
        }

        if (MaxMetadataBytes is < 256 or > 64 * 1024)
        {
            yield return $"{nameof(Presence)}.{nameof(MaxMetadataBytes)} must be from 256 B to 64 KiB; it is {MaxMetadataBytes}.";
        }

        if (MaxCursorBytes is < 64 or > 64 * 1024)
        {
            yield return $"{nameof(Presence)}.{nameof(MaxCursorBytes)} must be from 64 B to 64 KiB; it is {MaxCursorBytes}.";
        }

        if (MaxDocumentsPerSession < 1)
        {
            yield return $"{nameof(Presence)}.{nameof(MaxDocumentsPerSession)} must be at least 1; it is {MaxDocumentsPerSession}.";
        }
    }
}
