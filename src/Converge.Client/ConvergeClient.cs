using System.Collections.Concurrent;
using Converge.Client.Documents;
using Converge.Client.Transports;
using Converge.Protocol;
using Converge.Protocol.Codecs;
using Converge.Protocol.Frames;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Converge.Client;

/// <summary>
/// The Converge client: one connection to a Converge server carrying any number of documents. Open a document with
/// <see cref="OpenDocumentAsync"/>, mutate it, and observe <see cref="ConvergeDocument.Changed"/>; the client keeps
/// confirmed state, pending changes and the resume cursor of each document.
/// </summary>
/// <example>
/// <code>
/// await using var client = new ConvergeClient(new ConvergeClientOptions { ServerUri = new("ws://127.0.0.1:5000/sync") });
/// await client.StartAsync();
/// var board = await client.OpenDocumentAsync("board-1");
/// board.Changed += (_, e) => Render(e.State);
/// var receipt = await board.SetAsync("title", JsonSerializer.SerializeToElement("Sprint 12"));
/// await receipt.Acknowledged; // durable on the server
/// </code>
/// </example>
public sealed partial class ConvergeClient : IAsyncDisposable, IFrameSink
{
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    private readonly ConvergeClientOptions _options;
    private readonly Uri _serverUri;
    private readonly Func<ITransport> _transportFactory;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, ConvergeDocument> _documents = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    // Guards _connection together with the document set, so a document opened during a connect is subscribed exactly once.
    private readonly Lock _documentsGate = new();
    private ClientConnection? _connection;
    private int _state;
    private bool _disposed;

    /// <summary>Creates a client. It does not connect until <see cref="StartAsync"/>.</summary>
    /// <param name="options">The options; validated here.</param>
    /// <param name="loggerFactory">Where logs go; none by default.</param>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public ConvergeClient(ConvergeClientOptions options, ILoggerFactory? loggerFactory = null)
        : this(options, () => new WebSocketTransport(JsonFrameCodec.Instance, options.MaxFrameBytes, options.EnableCompression), loggerFactory)
    {
    }

    internal ConvergeClient(ConvergeClientOptions options, Func<ITransport> transportFactory, ILoggerFactory? loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _serverUri = options.ResolveServerUri();
        _transportFactory = transportFactory;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<ConvergeClient>();
        ClientId = options.ClientId ?? Guid.NewGuid().ToString("N");
    }

    /// <summary>Raised when <see cref="State"/> changes.</summary>
    public event EventHandler<ConnectionStateChangedEventArgs>? StateChanged;

    /// <summary>This replica's id (see <see cref="ConvergeClientOptions.ClientId"/>).</summary>
    public string ClientId { get; }

    /// <summary>The connection's current state.</summary>
    public ConnectionState State => (ConnectionState)Volatile.Read(ref _state);

    /// <summary>The connected transport's name (e.g. <c>websocket</c>), or <see langword="null"/> when not connected.</summary>
    public string? TransportName => State == ConnectionState.Connected ? _connection?.Transport.Name : null;

    /// <summary>
    /// Connects: opens the transport, says hello with every open document's resume cursor, and sends pending changes.
    /// Does nothing when already connected.
    /// </summary>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <exception cref="ConvergeConnectionException">The server could not be reached or refused the session.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connection is not null)
            {
                return;
            }

            SetState(ConnectionState.Connecting, null, null);
            using var handshake = new CancellationTokenSource(_options.HandshakeTimeout, _options.TimeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(handshake.Token, cancellationToken);
            var transport = _transportFactory();
            ClientConnection? connection = null;
            try
            {
                await transport.ConnectAsync(_serverUri, linked.Token).ConfigureAwait(false);
                var token = _options.AccessTokenProvider is { } provider ? await provider(linked.Token).ConfigureAwait(false) : null;
                connection = new ClientConnection(transport, _options.TimeProvider);
                connection.SendLoop = SendLoopAsync(connection);
                lock (_documentsGate)
                {
                    _connection = connection;
                    var subscriptions = _documents.Values.Select(static d => d.BeginSubscription()).ToArray();
                    connection.Outbound.Writer.TryWrite(new HelloFrame(ConvergeProtocol.Version, ClientId, token, subscriptions.Length > 0 ? subscriptions : null));
                }

                connection.ReceiveLoop = ReceiveLoopAsync(connection);
                var welcome = await connection.Welcome.Task.WaitAsync(linked.Token).ConfigureAwait(false);
                Log.Connected(_logger, transport.Name, welcome.SessionId);
                SetState(ConnectionState.Connected, null, null);
                foreach (var document in _documents.Values)
                {
                    if (document.TakeUnsent() is { Count: > 0 } unsent)
                    {
                        connection.Outbound.Writer.TryWrite(new PushFrame(document.Id, unsent));
                    }
                }
            }
            catch (Exception ex) when (ex is not ConvergeConnectionException || connection is not null)
            {
                var reason = handshake.IsCancellationRequested && !cancellationToken.IsCancellationRequested
                    ? $"The handshake did not complete within {_options.HandshakeTimeout}."
                    : ex.Message;
                await AbandonAsync(connection, transport).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                throw ex as ConvergeConnectionException
                    ?? new ConvergeConnectionException("connect_failed", reason, connection?.Transport.Close?.Code, ex);
            }
            catch (ConvergeConnectionException)
            {
                await AbandonAsync(null, transport).ConfigureAwait(false);
                throw;
            }
        }
        finally
        {
            _connectLock.Release();
        }
    }

    /// <summary>
    /// Opens a document and waits until it is fully synced (never shows partial state). While disconnected, it waits
    /// for the next <see cref="StartAsync"/>. Opening an open document returns the same instance.
    /// </summary>
    /// <param name="documentId">The document id (1–256 characters, no control characters).</param>
    /// <param name="cancellationToken">Stops waiting; the document stays open.</param>
    /// <exception cref="ArgumentException">The id is invalid.</exception>
    public async Task<ConvergeDocument> OpenDocumentAsync(string documentId, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (new SubscribeFrame(documentId).Validate() is { } problem)
        {
            throw new ArgumentException(problem, nameof(documentId));
        }

        ConvergeDocument document;
        lock (_documentsGate)
        {
            if (!_documents.TryGetValue(documentId, out document!))
            {
                document = new ConvergeDocument(documentId, ClientId, this, _loggerFactory.CreateLogger<ConvergeDocument>());
                _documents[documentId] = document;
                if (_connection is { } connection)
                {
                    var subscription = document.BeginSubscription();
                    connection.Outbound.Writer.TryWrite(new SubscribeFrame(subscription.DocumentId, subscription.Since));
                }
            }
        }

        await document.WaitUntilReadyAsync(cancellationToken).ConfigureAwait(false);
        return document;
    }

    /// <summary>Closes the connection cleanly (close code 1000). Documents and pending changes stay; <see cref="StartAsync"/> resumes.</summary>
    /// <param name="cancellationToken">Stops waiting for the server's close answer.</param>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        var connection = _connection;
        if (connection is null)
        {
            return;
        }

        connection.RequestClose(ConvergeCloseCode.Normal, "Client stopped.", CloseTimeout);
        await connection.ReceiveLoop.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the client.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await StopAsync().ConfigureAwait(false);
        _connectLock.Dispose();
    }

    bool IFrameSink.TrySend(Frame frame) => _connection?.Outbound.Writer.TryWrite(frame) ?? false;

    private async Task SendLoopAsync(ClientConnection connection)
    {
        var transport = connection.Transport;
        try
        {
            await foreach (var frame in connection.Outbound.Reader.ReadAllAsync(connection.Lifetime.Token).ConfigureAwait(false))
            {
                await transport.SendAsync(frame, connection.Lifetime.Token).ConfigureAwait(false);
            }

            if (connection.CloseRequest is { } close)
            {
                await transport.CloseAsync(close.Code ?? ConvergeCloseCode.Normal, close.Reason, connection.Lifetime.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or System.Net.WebSockets.WebSocketException or IOException or ObjectDisposedException)
        {
            Log.SendEnded(_logger, ex.Message);
            await connection.Lifetime.CancelAsync().ConfigureAwait(false);
        }
    }

    private async Task ReceiveLoopAsync(ClientConnection connection)
    {
        try
        {
            while (await connection.Transport.ReceiveAsync(connection.Lifetime.Token).ConfigureAwait(false) is { } frame)
            {
                try
                {
                    Dispatch(connection, frame);
                }
                catch (ProtocolException ex)
                {
                    Log.ProtocolViolation(_logger, ex.ErrorCode, ex.Message);
                    connection.RequestClose(ex.CloseCode, ex.Message, CloseTimeout);
                }
            }
        }
        catch (ProtocolException ex)
        {
            Log.ProtocolViolation(_logger, ex.ErrorCode, ex.Message);
            connection.RequestClose(ex.CloseCode, ex.Message, CloseTimeout);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            await OnConnectionLostAsync(connection).ConfigureAwait(false);
        }
    }

    private void Dispatch(ClientConnection connection, Frame frame)
    {
        if (connection.CloseRequest is not null)
        {
            return;
        }

        switch (frame)
        {
            case WelcomeFrame welcome:
                connection.Welcome.TrySetResult(welcome);
                break;
            case SnapshotFrame snapshot:
                Document(snapshot.DocumentId)?.OnSnapshot(snapshot);
                break;
            case ChangesFrame changes:
                Document(changes.DocumentId)?.OnChanges(changes);
                break;
            case AckFrame ack:
                Document(ack.DocumentId)?.OnAck(ack);
                break;
            case RejectFrame reject:
                Document(reject.DocumentId)?.OnReject(reject);
                break;
            case SubscribedFrame subscribed:
                Document(subscribed.DocumentId)?.OnSubscribed(subscribed);
                break;
            case ErrorFrame { DocumentId: { } documentId } error:
                Document(documentId)?.OnError(error);
                break;
            case ErrorFrame error:
                connection.LastError = error;
                Log.ServerError(_logger, error.Code, error.Message);
                break;
            case PingFrame ping:
                connection.Outbound.Writer.TryWrite(new PongFrame(ping.Payload));
                break;
            case PongFrame:
                break;
            default:
                throw new ProtocolException(ErrorCodes.UnexpectedFrame, $"A server must not send '{frame.GetType().Name}'.");
        }
    }

    private ConvergeDocument? Document(string documentId) => _documents.GetValueOrDefault(documentId);

    private async Task OnConnectionLostAsync(ClientConnection connection)
    {
        lock (_documentsGate)
        {
            if (_connection == connection)
            {
                _connection = null;
            }
        }

        connection.Outbound.Writer.TryComplete();
        await connection.Lifetime.CancelAsync().ConfigureAwait(false);
        await connection.SendLoop.ConfigureAwait(false);
        foreach (var document in _documents.Values)
        {
            document.OnDisconnected();
        }

        var close = connection.Transport.Close;
        var reason = connection.LastError is { } error ? $"{error.Code}: {error.Message}" : close?.Reason ?? "Connection ended.";
        connection.Welcome.TrySetException(new ConvergeConnectionException(connection.LastError?.Code ?? "connection_closed", reason, close?.Code));
        await connection.Transport.DisposeAsync().ConfigureAwait(false);
        connection.Lifetime.Dispose();
        Log.Disconnected(_logger, close?.Code is { } code ? (int)code : 0, reason);
        SetState(ConnectionState.Disconnected, close?.Code, reason);
    }

    private async Task AbandonAsync(ClientConnection? connection, ITransport transport)
    {
        if (connection is not null)
        {
            connection.RequestClose(ConvergeCloseCode.Normal, "Handshake abandoned.", TimeSpan.FromMilliseconds(1));
            await connection.ReceiveLoop.ConfigureAwait(false);
        }
        else
        {
            await transport.DisposeAsync().ConfigureAwait(false);
            SetState(ConnectionState.Disconnected, null, "Could not connect.");
        }
    }

    private void SetState(ConnectionState state, ConvergeCloseCode? closeCode, string? reason)
    {
        Volatile.Write(ref _state, (int)state);
        StateChanged?.Invoke(this, new ConnectionStateChangedEventArgs(state, closeCode, reason));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 200, EventName = "ClientConnected", Level = LogLevel.Information, Message = "Connected over {Transport} (session {SessionId}).")]
        public static partial void Connected(ILogger logger, string transport, string sessionId);

        [LoggerMessage(EventId = 201, EventName = "ClientDisconnected", Level = LogLevel.Information, Message = "Disconnected (close code {CloseCode}): {Reason}")]
        public static partial void Disconnected(ILogger logger, int closeCode, string reason);

        [LoggerMessage(EventId = 202, EventName = "ClientProtocolViolation", Level = LogLevel.Warning, Message = "The server broke the protocol ({Code}): {Detail}. Closing.")]
        public static partial void ProtocolViolation(ILogger logger, string code, string detail);

        [LoggerMessage(EventId = 203, EventName = "ClientServerError", Level = LogLevel.Warning, Message = "Server error {Code}: {Message}")]
        public static partial void ServerError(ILogger logger, string code, string message);

        [LoggerMessage(EventId = 204, EventName = "ClientSendEnded", Level = LogLevel.Debug, Message = "Send loop ended: {Reason}")]
        public static partial void SendEnded(ILogger logger, string reason);
    }
}
