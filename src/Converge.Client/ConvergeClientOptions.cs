using Converge.Client.Heartbeats;
using Converge.Client.Reconnection;
using Converge.Client.Transports;

namespace Converge.Client;

/// <summary>Every knob of <see cref="ConvergeClient"/>, with its default. Validated when the client is created.</summary>
public sealed class ConvergeClientOptions
{
    /// <summary>The sync endpoint, e.g. <c>ws://127.0.0.1:5000/sync</c>. <c>http(s)</c> is accepted and mapped to <c>ws(s)</c>.</summary>
    public Uri? ServerUri { get; set; }

    /// <summary>
    /// This replica's id: half of every change's idempotency key (the other half is the client sequence, which counts
    /// from 1 per document for this id). Default: with a <see cref="LocalStore"/>, the id the store was created with
    /// (a new random one for a new store), so a restarted app continues as the same client with its sequences; without
    /// one, a new random id per client instance. Never give the same id to two live clients, or to a new process
    /// without its persisted sequences: the server would take their changes for duplicates of earlier ones,
    /// acknowledge them and not apply them.
    /// </summary>
    public string? ClientId { get; set; }

    /// <summary>
    /// Supplies the access token; called before every connect, and once with <see cref="AccessTokenRequest.ForceRefresh"/>
    /// after the server answers 401 (a second 401 stops the client as Unauthorized). Default: none.
    /// </summary>
    public Func<AccessTokenRequest, CancellationToken, ValueTask<string?>>? AccessTokenProvider { get; set; }

    /// <summary>
    /// Makes the handler for the HTTP transports' <see cref="HttpClient"/> (proxies, certificates, a test server).
    /// Default: a plain <see cref="HttpClientHandler"/>.
    /// </summary>
    public Func<HttpMessageHandler>? HttpMessageHandlerFactory { get; set; }

    /// <summary>
    /// The WebSocket encoding to offer: <see cref="WebSocketEncoding.MessagePack"/> (default; smaller and faster) or
    /// <see cref="WebSocketEncoding.Json"/> (readable in a browser's network panel). SSE and long polling always use JSON.
    /// </summary>
    public WebSocketEncoding WebSocketEncoding { get; set; } = WebSocketEncoding.MessagePack;

    /// <summary>The transports to try, in order of preference. Default WebSocket, then SSE, then long polling.</summary>
    public IList<TransportKind> Transports { get; } = [TransportKind.WebSocket, TransportKind.ServerSentEvents, TransportKind.LongPolling];

    /// <summary>Decides reconnect delays. Default <see cref="DefaultReconnectPolicy"/> (1 s doubling to 30 s, ±10%, forever).</summary>
    public IReconnectPolicy ReconnectPolicy { get; set; } = new DefaultReconnectPolicy();

    /// <summary>Heartbeat timing. Defaults: ping every 15 s, 10 s to answer, dead after 2 misses.</summary>
    public HeartbeatOptions Heartbeat { get; } = new();

    /// <summary>Presence: cursor throttle, typing refresh, metadata limit. See <see cref="Client.Presence.PresenceOptions"/>.</summary>
    public Presence.PresenceOptions Presence { get; } = new();

    /// <summary>How long a connection must last to count as healthy, resetting the backoff. Default 5 s.</summary>
    public TimeSpan HealthyConnectionTime { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Rules every local change must pass before it is applied optimistically (the same <see cref="Model.Documents.ChangeRule"/>s
    /// the server may run through <c>AddRule</c>): a refused change throws <see cref="ChangeRejectedException"/>
    /// (<c>validation_failed</c>) and is never shown or sent. Empty by default.
    /// </summary>
    public IList<Model.Documents.ChangeRule> Rules { get; } = [];

    /// <summary>
    /// How long local changes gather before they are sent together: the first change starts the window and everything
    /// made within it travels in one frame. Default 16 ms (one display frame: a drag or typing burst becomes one
    /// frame, with no visible delay). Zero sends every change at once.
    /// </summary>
    public TimeSpan FlushWindow { get; set; } = TimeSpan.FromMilliseconds(16);

    /// <summary>The flush window while <see cref="ConvergeClient.IsMetered"/> is set. Default 2 s.</summary>
    public TimeSpan MeteredFlushWindow { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>While on a fallback transport, how often to try the preferred one again. Default 60 s.</summary>
    public TimeSpan UpgradeProbeInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long the connect, hello and welcome exchange may take. Default 15 s.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The largest frame accepted from the server, in bytes. Default 16 MiB (snapshots can be large).</summary>
    public int MaxFrameBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// How many pushed changes may be unanswered (neither acknowledged nor rejected) on one connection; the rest wait
    /// in the outbox and go out as answers come back, so a long offline queue is replayed in a steady stream rather than
    /// all at once into the server's limits. A server that announces a lower limit in its welcome
    /// (<c>maxPendingChanges</c>; Converge servers do) is obeyed. Default 1,024; at least 1.
    /// </summary>
    public int MaxChangesInFlight { get; set; } = 1024;

    /// <summary>Whether to offer WebSocket permessage-deflate. Default <see langword="true"/> (ignored in the browser, which negotiates it itself).</summary>
    public bool EnableCompression { get; set; } = true;

    /// <summary>
    /// The local store (a SQLite file, or the app's own <see cref="Storage.IClientStore"/>): the client identity and sequences, cached documents and the outbox of
    /// unacknowledged changes survive restarts and crashes, and cached documents open at once, offline too (as
    /// <see cref="Documents.DocumentStatus.Stale"/>). Default <see langword="null"/>: everything lives in memory. See <see cref="Storage.LocalStoreOptions"/> and <c>docs/offline.md</c>.
    /// </summary>
    public Storage.LocalStoreOptions? LocalStore { get; set; }

    /// <summary>The clock for every timeout. Default <see cref="TimeProvider.System"/>; tests pass a fake.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal Uri ResolveServerUri()
    {
        var uri = ServerUri ?? throw new ArgumentException($"{nameof(ServerUri)} is required.", nameof(ServerUri));
        return uri.Scheme switch
        {
            "ws" or "wss" => uri,
            "http" => new UriBuilder(uri) { Scheme = "ws" }.Uri,
            "https" => new UriBuilder(uri) { Scheme = "wss" }.Uri,
            _ => throw new ArgumentException($"{nameof(ServerUri)} must be ws, wss, http or https; it is '{uri.Scheme}'.", nameof(ServerUri)),
        };
    }

    internal void Validate()
    {
        _ = ResolveServerUri();
        if (ClientId is { } id && (id.Length == 0 || id.Length > Protocol.ConvergeProtocol.MaxClientIdLength))
        {
            throw new ArgumentException($"{nameof(ClientId)} must be 1 to {Protocol.ConvergeProtocol.MaxClientIdLength} characters long.", nameof(ClientId));
        }

        if (FlushWindow < TimeSpan.Zero || MeteredFlushWindow < TimeSpan.Zero || FlushWindow > TimeSpan.FromMinutes(1) || MeteredFlushWindow > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentException($"{nameof(FlushWindow)} ({FlushWindow}) and {nameof(MeteredFlushWindow)} ({MeteredFlushWindow}) must be between zero and one minute.", nameof(FlushWindow));
        }

        if (HandshakeTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(HandshakeTimeout)} must be positive; it is {HandshakeTimeout}.", nameof(HandshakeTimeout));
        }

        if (MaxFrameBytes < 1024)
        {
            throw new ArgumentException($"{nameof(MaxFrameBytes)} must be at least 1024; it is {MaxFrameBytes}.", nameof(MaxFrameBytes));
        }

        if (MaxChangesInFlight < 1)
        {
            throw new ArgumentException($"{nameof(MaxChangesInFlight)} must be at least 1; it is {MaxChangesInFlight}.", nameof(MaxChangesInFlight));
        }

        LocalStore?.Validate();
        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentNullException.ThrowIfNull(ReconnectPolicy);
        Heartbeat.Validate();
        Presence.Validate();
        if (Transports.Count == 0 || Transports.Distinct().Count() != Transports.Count)
        {
            throw new ArgumentException($"{nameof(Transports)} must list at least one transport, each once.", nameof(Transports));
        }

        if (HealthyConnectionTime < TimeSpan.Zero || UpgradeProbeInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(HealthyConnectionTime)} must not be negative and {nameof(UpgradeProbeInterval)} must be positive.");
        }
    }
}
