using Converge.Protocol;
using Converge.Protocol.Codecs;
using Converge.Server.Authority;
using Converge.Server.Security;
using Converge.Server.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Converge.Server.Transports;

/// <summary>The HTTP side of the sync endpoint: accepts the WebSocket upgrade and runs a session over it.</summary>
internal sealed partial class WebSocketEndpoint
{
    private readonly AuthorityRegistry _authorities;
    private readonly ConvergeServerOptions _options;
    private readonly TimeProvider _time;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly SessionTracker _tracker;
    private readonly IDocumentAuthorizer _authorizer;
    private readonly Observability.ConvergeServerMetrics _metrics;
    private readonly Presence.PresenceRegistry _presence;
    private readonly ILogger<WebSocketEndpoint> _logger;
    private readonly ILogger<ServerSession> _sessionLogger;

    public WebSocketEndpoint(
        AuthorityRegistry authorities,
        IOptions<ConvergeServerOptions> options,
        TimeProvider time,
        IHostApplicationLifetime lifetime,
        SessionTracker tracker,
        IDocumentAuthorizer authorizer,
        Observability.ConvergeServerMetrics metrics,
        Presence.PresenceRegistry presence,
        ILogger<WebSocketEndpoint> logger,
        ILogger<ServerSession> sessionLogger)
    {
        _authorities = authorities;
        _options = options.Value;
        _time = time;
        _lifetime = lifetime;
        _tracker = tracker;
        _authorizer = authorizer;
        _metrics = metrics;
        _presence = presence;
        _logger = logger;
        _sessionLogger = sessionLogger;
    }

    public async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            context.Response.Headers.Upgrade = "websocket";
            await context.Response.WriteAsync(
                $"This is a Converge sync endpoint (protocol v{ConvergeProtocol.Version}): connect with a WebSocket.",
                context.RequestAborted).ConfigureAwait(false);
            return;
        }

        // The client's offer picks the codec: binary MessagePack when offered, JSON otherwise (also with no offer at all,
        // so a plain `new WebSocket(url)` in a browser console speaks JSON).
        var offered = context.WebSockets.WebSocketRequestedProtocols;
        var (subprotocol, codec) = offered.Contains(ConvergeProtocol.MessagePackSubprotocol)
            ? (ConvergeProtocol.MessagePackSubprotocol, (IFrameCodec)MessagePackFrameCodec.Instance)
            : (offered.Contains(ConvergeProtocol.JsonSubprotocol) ? ConvergeProtocol.JsonSubprotocol : null, JsonFrameCodec.Instance);
        var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            SubProtocol = subprotocol,
            DangerousEnableCompression = _options.EnableCompression,
            // Our heartbeat frames detect dead peers; WebSocket-level keep-alive pings would only add traffic.
            KeepAliveInterval = TimeSpan.Zero,
        }).ConfigureAwait(false);

        var session = new ServerSession(Guid.NewGuid().ToString("N"), context.User, _authorities, _authorizer, _metrics, _presence, _options, _sessionLogger);
        Log.Accepted(_logger, session.SessionId, context.Connection.RemoteIpAddress);
        using (socket)
        {
            await new WebSocketConnection(socket, session, codec, _options, _time, _tracker, _sessionLogger)
                .RunAsync(_lifetime.ApplicationStopping, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 40, EventName = "WebSocketAccepted", Level = LogLevel.Debug, Message = "Session {SessionId}: WebSocket accepted from {Remote}.")]
        public static partial void Accepted(ILogger logger, string sessionId, System.Net.IPAddress? remote);
    }
}
