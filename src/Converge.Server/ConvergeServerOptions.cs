namespace Converge.Server;

/// <summary>Every knob of the Converge server, with its default. Validated at startup.</summary>
public sealed class ConvergeServerOptions
{
    /// <summary>The SQLite database file of the change log. Default <c>data/converge.db</c>, relative to the working directory.</summary>
    public string DatabasePath { get; set; } = Path.Combine("data", "converge.db");

    /// <summary>
    /// Storage: PostgreSQL instead of SQLite, checkpoints, log retention and passivation. See
    /// <see cref="Storage.ConvergeStorageOptions"/> and docs/storage.md.
    /// </summary>
    public Storage.ConvergeStorageOptions Storage { get; } = new();

    /// <summary>Keeps the change log in PostgreSQL instead of the SQLite file at <see cref="DatabasePath"/>.</summary>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <param name="schema">The schema for Converge's tables (created when missing). Default <c>converge</c>.</param>
    /// <returns>These options.</returns>
    public ConvergeServerOptions UsePostgres(string connectionString, string schema = "converge")
    {
        Storage.UsePostgres(connectionString, schema);
        return this;
    }

    /// <summary>
    /// How many changes one session (one client connection) may have pushed that the server has not yet answered (acked
    /// or rejected). Default 4,096; at least 64. A push that would go over it is not applied: the session gets an <c>error</c>
    /// <c>too_many_pending</c> with <c>retryAfterMs</c> and is closed with 4429 (resumable); the client keeps the changes
    /// and pushes them again after reconnecting. Changes accepted before it are acknowledged as usual.
    /// The welcome announces <see cref="AnnouncedPendingChanges"/> so that well-behaved clients never reach it.
    /// </summary>
    public int MaxPendingChangesPerClient { get; set; } = 4096;

    // What the welcome tells a client it may have unanswered: under the hard limit, and small enough that the acks of
    // a full window (one frame per change) take at most half the session's queue, leaving the rest to changes fanned
    // out meanwhile, so a client replaying a long offline queue is never closed as a slow consumer by its own acks.
    internal int AnnouncedPendingChanges => Math.Min(MaxPendingChangesPerClient, SessionQueueCapacity / 2);

    /// <summary>The largest frame a client may send, in bytes. Default 1 MiB. Larger frames close the session with 4413.</summary>
    public int MaxFrameBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// How many frames may wait to be sent to one session. Default 1,024. A session whose queue is full is closed
    /// with 4503 (slow consumer) and resumes from its cursor: server memory never grows with a slow reader.
    /// </summary>
    public int SessionQueueCapacity { get; set; } = 1024;

    /// <summary>How many commands may wait at one document authority before pushers wait. Default 4,096.</summary>
    public int AuthorityQueueCapacity { get; set; } = 4096;

    /// <summary>The most changes committed in one transaction (group commit). Default 512.</summary>
    public int MaxChangesPerCommit { get; set; } = 512;

    /// <summary>The most changes in one replay frame. Default 256.</summary>
    public int MaxChangesPerFrame { get; set; } = 256;

    /// <summary>
    /// The sustained rate of frames one connection may send, per second (a token bucket). Default 100; 0 turns the limit
    /// off. Over the limit, WebSocket sessions get an error frame with <c>retryAfterMs</c> and close 4429; HTTP uplinks
    /// get 429 with Retry-After.
    /// </summary>
    public int MaxFramesPerSecond { get; set; } = 100;

    /// <summary>How many frames a connection may send in a burst above <see cref="MaxFramesPerSecond"/>. Default 200.</summary>
    public int FrameBurst { get; set; } = 200;

    /// <summary>
    /// About how many bytes of operations one snapshot frame carries; a larger document's snapshot goes in parts
    /// (the client applies it only once complete). Default 256 KiB; 1 KiB to 4 MiB, well under the .NET client's
    /// default 16 MiB frame limit.
    /// </summary>
    public int SnapshotPartBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// The largest a document may grow, in bytes of UTF-8 keys plus JSON values. Default 16 MiB. A change that would
    /// grow it further is rejected (<c>document_too_large</c>); changes that shrink it are always accepted. Keep its
    /// snapshot parts (this / <see cref="SnapshotPartBytes"/>, 64 by default) well under <see cref="SessionQueueCapacity"/>:
    /// a snapshot that cannot be queued whole closes the session as a slow consumer.
    /// </summary>
    public long MaxDocumentBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// How many recent revisions of each collaborative text (<c>editText</c>) the authority keeps to transform edits
    /// made against older revisions. Default 1,000; an edit older than that is rejected as <c>stale_change</c>.
    /// </summary>
    public int MaxTextHistory { get; set; } = 1000;

    /// <summary>The most documents one session may subscribe to. Default 1,000.</summary>
    public int MaxSubscriptionsPerSession { get; set; } = 1000;

    /// <summary>How long a new connection may take to send hello. Default 10 s.</summary>
    public TimeSpan HelloTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The ping interval the server asks clients to keep (sent in welcome). Default 15 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long a session may stay silent (no frame, no ping, no poll) before the server drops it as dead with 4408.
    /// Default 45 s: three of the clients' 15 s heartbeats.
    /// </summary>
    public TimeSpan ClientTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>How long a long-poll request is held open when there is nothing to send. Default 30 s.</summary>
    public TimeSpan LongPollTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often an idle SSE stream gets a keep-alive comment, so proxies do not cut it. Default 15 s.</summary>
    public TimeSpan SseKeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The reconnection delay sent to SSE clients in the <c>retry:</c> field. Default 1 s.</summary>
    public TimeSpan SseRetry { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long to wait for the peer's close frame after sending ours. Default 5 s.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether WebSocket permessage-deflate is accepted when the client offers it. Default <see langword="true"/>.</summary>
    public bool EnableCompression { get; set; } = true;

    /// <summary>
    /// Validators every change must pass before it is accepted, in order; the first refusal rejects the change with
    /// <c>validation_failed</c> and its reason. Empty by default. See <see cref="Validation.IChangeValidator"/>.
    /// </summary>
    public IList<Validation.IChangeValidator> Validators { get; } = [];

    /// <summary>Adds a shared <see cref="Model.Documents.ChangeRule"/> (the same rule the client may run before applying) to <see cref="Validators"/>.</summary>
    /// <param name="rule">The rule.</param>
    /// <returns>These options.</returns>
    public ConvergeServerOptions AddRule(Model.Documents.ChangeRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        Validators.Add(new Validation.RuleValidator(rule));
        return this;
    }

    /// <summary>Presence: who is in a document, their cursors and typing (timeouts, batching, limits). See <see cref="Presence.PresenceOptions"/>.</summary>
    public Presence.PresenceOptions Presence { get; } = new();

    internal IEnumerable<string> Validate()
    {
        foreach (var problem in Presence.Validate().Concat(Storage.Validate()))
        {
            yield return problem;
        }

        if (MaxPendingChangesPerClient < 64)
        {
            // The .NET client re-pushes pending changes in frames of 64: a smaller limit would refuse such a frame forever.
            yield return $"{nameof(MaxPendingChangesPerClient)} must be at least 64 (the .NET client pushes up to 64 changes per frame); it is {MaxPendingChangesPerClient}.";
        }

        if (ClientTimeout <= HeartbeatInterval)
        {
            yield return $"{nameof(ClientTimeout)} ({ClientTimeout}) must be longer than {nameof(HeartbeatInterval)} ({HeartbeatInterval}), or healthy clients are dropped.";
        }

        if (!Storage.IsPostgres && string.IsNullOrWhiteSpace(DatabasePath))
        {
            yield return $"{nameof(DatabasePath)} must name a file.";
        }

        if (MaxFrameBytes is < 1024 or > 64 * 1024 * 1024)
        {
            yield return $"{nameof(MaxFrameBytes)} must be between 1 KiB and 64 MiB; it is {MaxFrameBytes}.";
        }

        if (SessionQueueCapacity < 16)
        {
            yield return $"{nameof(SessionQueueCapacity)} must be at least 16; it is {SessionQueueCapacity}.";
        }

        if (AuthorityQueueCapacity < 16)
        {
            yield return $"{nameof(AuthorityQueueCapacity)} must be at least 16; it is {AuthorityQueueCapacity}.";
        }

        if (MaxChangesPerCommit < 1)
        {
            yield return $"{nameof(MaxChangesPerCommit)} must be at least 1; it is {MaxChangesPerCommit}.";
        }

        if (MaxChangesPerFrame < 1)
        {
            yield return $"{nameof(MaxChangesPerFrame)} must be at least 1; it is {MaxChangesPerFrame}.";
        }

        if (LongPollTimeout >= ClientTimeout)
        {
            yield return $"{nameof(LongPollTimeout)} ({LongPollTimeout}) must be shorter than {nameof(ClientTimeout)} ({ClientTimeout}), or a held poll outlives its session.";
        }

        if (MaxFramesPerSecond < 0 || (MaxFramesPerSecond > 0 && FrameBurst < 1))
        {
            yield return $"{nameof(MaxFramesPerSecond)} must be 0 (off) or positive, with {nameof(FrameBurst)} at least 1.";
        }

        if (SnapshotPartBytes is < 1024 or > 4 * 1024 * 1024)
        {
            yield return $"{nameof(SnapshotPartBytes)} must be from 1 KiB to 4 MiB (clients refuse frames over their limit, 16 MiB by default); it is {SnapshotPartBytes}.";
        }

        if (MaxDocumentBytes < 1024)
        {
            yield return $"{nameof(MaxDocumentBytes)} must be at least 1 KiB; it is {MaxDocumentBytes}.";
        }

        if (MaxTextHistory < 1)
        {
            yield return $"{nameof(MaxTextHistory)} must be at least 1; it is {MaxTextHistory}.";
        }

        if (MaxSubscriptionsPerSession < 1)
        {
            yield return $"{nameof(MaxSubscriptionsPerSession)} must be at least 1; it is {MaxSubscriptionsPerSession}.";
        }

        foreach (var (name, value) in new[]
        {
            (nameof(HelloTimeout), HelloTimeout), (nameof(HeartbeatInterval), HeartbeatInterval), (nameof(CloseTimeout), CloseTimeout),
            (nameof(ClientTimeout), ClientTimeout), (nameof(LongPollTimeout), LongPollTimeout), (nameof(SseKeepAliveInterval), SseKeepAliveInterval),
            (nameof(SseRetry), SseRetry),
        })
        {
            if (value <= TimeSpan.Zero)
            {
                yield return $"{name} must be positive; it is {value}.";
            }
        }
    }
}
