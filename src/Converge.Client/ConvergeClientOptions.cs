namespace Converge.Client;

/// <summary>Every knob of <see cref="ConvergeClient"/>, with its default. Validated when the client is created.</summary>
public sealed class ConvergeClientOptions
{
    /// <summary>The sync endpoint, e.g. <c>ws://127.0.0.1:5000/sync</c>. <c>http(s)</c> is accepted and mapped to <c>ws(s)</c>.</summary>
    public Uri? ServerUri { get; set; }

    /// <summary>
    /// This replica's stable id: half of every change's idempotency key. Default: a new random id per client
    /// instance. Set it to a persisted value to keep exactly-once delivery across app restarts.
    /// </summary>
    public string? ClientId { get; set; }

    /// <summary>Supplies the access token sent in hello; called on every connect. Default: none.</summary>
    public Func<CancellationToken, ValueTask<string?>>? AccessTokenProvider { get; set; }

    /// <summary>How long the connect, hello and welcome exchange may take. Default 15 s.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The largest frame accepted from the server, in bytes. Default 16 MiB (snapshots can be large).</summary>
    public int MaxFrameBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Whether to offer WebSocket permessage-deflate. Default <see langword="true"/> (ignored in the browser, which negotiates it itself).</summary>
    public bool EnableCompression { get; set; } = true;

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

        if (HandshakeTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(HandshakeTimeout)} must be positive; it is {HandshakeTimeout}.", nameof(HandshakeTimeout));
        }

        if (MaxFrameBytes < 1024)
        {
            throw new ArgumentException($"{nameof(MaxFrameBytes)} must be at least 1024; it is {MaxFrameBytes}.", nameof(MaxFrameBytes));
        }

        ArgumentNullException.ThrowIfNull(TimeProvider);
    }
}
