using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using Converge.Protocol;
using Converge.Protocol.Codecs;
using Converge.Protocol.Frames;
using System.Security.Claims;
using Converge.Server.Authority;
using Converge.Server.Security;
using Converge.Server.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Converge.Server.Transports;

/// <summary>
/// The live HTTP-carried sessions, by id (the id is a random GUID, 122 random bits, and acts as a capability: only the client that got it in
/// welcome can post to or poll its session). Opening a session from an HTTP request is the same for SSE and long polling.
/// </summary>
internal sealed partial class HttpSessionRegistry
{
    private readonly ConcurrentDictionary<string, HttpSession> _sessions = new(StringComparer.Ordinal);
    private readonly AuthorityRegistry _authorities;
    private readonly ConvergeServerOptions _options;
    private readonly TimeProvider _time;
    private readonly SessionTracker _tracker;
    private readonly ILogger<ServerSession> _logger;

    private readonly CancellationToken _stopping;
    private readonly IDocumentAuthorizer _authorizer;
    private readonly Observability.ConvergeServerMetrics _metrics;
    private readonly Presence.PresenceRegistry _presence;

    public HttpSessionRegistry(
        AuthorityRegistry authorities,
        IOptions<ConvergeServerOptions> options,
        TimeProvider time,
        SessionTracker tracker,
        IHostApplicationLifetime lifetime,
        IDocumentAuthorizer authorizer,
        Observability.ConvergeServerMetrics metrics,
        Presence.PresenceRegistry presence,
        ILogger<ServerSession> logger)
    {
        _metrics = metrics;
        _presence = presence;
        _authorizer = authorizer;
        _authorities = authorities;
        _options = options.Value;
        _time = time;
        _tracker = tracker;
        _logger = logger;
        _stopping = lifetime.ApplicationStopping;
        // A held long poll or an open event stream would otherwise hold up shutdown for the host's whole timeout.
        _stopping.Register(() =>
        {
            foreach (var http in _sessions.Values)
            {
                http.Session.Fail(ErrorCodes.ShuttingDown, "The server is shutting down; reconnect and resume.");
            }
        });
    }

    public bool TryGet(string sessionId, [NotNullWhen(true)] out HttpSession? session) => _sessions.TryGetValue(sessionId, out session);

    /// <summary>
    /// A session id is a capability, but when the session belongs to an authenticated user only that user's requests
    /// may use it: a leaked id alone is not enough.
    /// </summary>
    public static bool BelongsTo(HttpSession session, ClaimsPrincipal requester)
    {
        var owner = session.Session.User;
        if (owner.Identity?.IsAuthenticated != true)
        {
            return true;
        }

        return requester.Identity?.IsAuthenticated == true
            && string.Equals(Identify(owner), Identify(requester), StringComparison.Ordinal);

        static string? Identify(ClaimsPrincipal user) => user.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? user.Identity?.Name;
    }

    /// <summary>Reads the hello from the <c>hello</c> query parameter.</summary>
    /// <exception cref="ProtocolException">It is missing or not a valid hello frame.</exception>
    public static HelloFrame ReadHello(HttpRequest request)
    {
        var text = request.Query["hello"].ToString();
        if (string.IsNullOrEmpty(text))
        {
            throw new ProtocolException(ErrorCodes.MalformedFrame, "The 'hello' query parameter (a JSON hello frame) is required.");
        }

        return JsonFrameCodec.Instance.Decode(Encoding.UTF8.GetBytes(text)) as HelloFrame
            ?? throw new ProtocolException(ErrorCodes.UnexpectedFrame, "The 'hello' query parameter must hold a hello frame.");
    }

    /// <summary>Creates a session and handles its hello (welcome and subscriptions are queued).</summary>
    /// <exception cref="ProtocolException">The hello is refused (e.g. unsupported version).</exception>
    public async Task<HttpSession> OpenAsync(HelloFrame hello, ClaimsPrincipal user, string transport, CancellationToken cancellationToken)
    {
        if (_stopping.IsCancellationRequested)
        {
            throw new ProtocolException(ErrorCodes.ShuttingDown, "The server is shutting down; retry shortly.");
        }

        var session = new ServerSession(Guid.NewGuid().ToString("N"), user, _authorities, _authorizer, _metrics, _presence, _options, _logger);
        var http = new HttpSession(session, transport, _tracker.Track(transport), new FrameRateLimiter(_options.MaxFramesPerSecond, _options.FrameBurst, _time));
        try
        {
            session.StartLivenessCheck(_time);
            await session.HandleAsync(hello, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or System.Threading.Channels.ChannelClosedException)
        {
            await http.EndAsync().ConfigureAwait(false);
            throw new ProtocolException(ErrorCodes.ShuttingDown, "The server is shutting down; retry shortly.", ex);
        }
        catch
        {
            await http.EndAsync().ConfigureAwait(false);
            throw;
        }

        _sessions[session.SessionId] = http;
        Log.Opened(_logger, session.SessionId, transport);
        // However the session ends, it leaves the registry; a long-poll session not collected by a final poll
        // is ended after one more poll interval.
        session.Closing.Register(() => _ = ExpireAsync(http));
        return http;
    }

    public async ValueTask RemoveAsync(HttpSession session)
    {
        _sessions.TryRemove(KeyValuePair.Create(session.Session.SessionId, session));
        await session.EndAsync().ConfigureAwait(false);
    }

    private async Task ExpireAsync(HttpSession session)
    {
        try
        {
            await Task.Delay(_options.LongPollTimeout, _time).ConfigureAwait(false);
            await RemoveAsync(session).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A background cleanup must never take the process down.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.ExpireFailed(_logger, ex, session.Session.SessionId);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 50, EventName = "HttpSessionOpened", Level = LogLevel.Debug, Message = "Session {SessionId}: opened over {Transport}.")]
        public static partial void Opened(ILogger logger, string sessionId, string transport);

        [LoggerMessage(EventId = 51, EventName = "HttpSessionExpireFailed", Level = LogLevel.Error, Message = "Session {SessionId}: cleanup failed.")]
        public static partial void ExpireFailed(ILogger logger, Exception exception, string sessionId);
    }
}
