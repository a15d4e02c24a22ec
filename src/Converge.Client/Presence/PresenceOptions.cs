namespace Converge.Client.Presence;

/// <summary>The client's presence knobs (<see cref="ConvergeClientOptions.Presence"/>), with their defaults.</summary>
public sealed class PresenceOptions
{
    /// <summary>
    /// The most cursor updates a presence handle sends per second; faster calls are coalesced, latest wins, and the
    /// latest always goes out last. Default 30 (the article's 20–60 Hz for cursors). 1 to 120.
    /// </summary>
    public int CursorUpdatesPerSecond { get; set; } = 30;

    /// <summary>
    /// While the app keeps saying it is typing, how often that is repeated to the server, which drops a typing
    /// indicator by itself after its typing timeout (5 s by default). Default 2 s; keep it below the server's timeout.
    /// </summary>
    public TimeSpan TypingRefreshInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The largest metadata the client sends, in bytes of UTF-8 JSON; larger metadata is refused here, before it
    /// travels. Default 4 KiB, the server's default limit; raise both together.
    /// </summary>
    public int MaxMetadataBytes { get; set; } = 4 * 1024;

    /// <summary>The shortest time between two cursor updates: rounded up, so that no second ever holds more than the rate.</summary>
    internal TimeSpan CursorInterval => TimeSpan.FromTicks((TimeSpan.TicksPerSecond + CursorUpdatesPerSecond - 1) / CursorUpdatesPerSecond);

    internal void Validate()
    {
        if (CursorUpdatesPerSecond is < 1 or > 120)
        {
            throw new ArgumentException($"Presence.{nameof(CursorUpdatesPerSecond)} must be from 1 to 120; it is {CursorUpdatesPerSecond}.");
        }

        if (TypingRefreshInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"Presence.{nameof(TypingRefreshInterval)} must be positive; it is {TypingRefreshInterval}.");
        }

        if (MaxMetadataBytes < 2)
        {
            throw new ArgumentException($"Presence.{nameof(MaxMetadataBytes)} must be at least 2 (an empty object); it is {MaxMetadataBytes}.");
        }
    }
}
