using Converge.Protocol;
using Converge.Protocol.Codecs;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Converge.Server.Transports;

/// <summary>
/// <c>POST {pattern}/sse/{session}</c> and <c>POST {pattern}/poll/{session}</c>: the uplink of the HTTP transports.
/// The body is one frame or a JSON array of frames, handled in order exactly as if they had come over a WebSocket.
/// </summary>
internal sealed partial class HttpUplink(HttpSessionRegistry sessions, ConvergeServerOptions options, TimeProvider time, ILogger<HttpUplink> logger)
{
    public async Task HandleAsync(HttpContext context, string sessionId, string transport)
    {
        if (!sessions.TryGet(sessionId, out var http) || http.Transport != transport || http.Session.CloseReason is not null
            || !HttpSessionRegistry.BelongsTo(http, context.User))
        {
            await HttpResponses.ErrorAsync(context, StatusCodes.Status404NotFound, ErrorCodes.UnknownSession,
                "No such session (it ended or expired); open a new one with your cursors.").ConfigureAwait(false);
            return;
        }

        var session = http.Session;
        session.Touch(time);
        await http.UplinkGate.WaitAsync(context.RequestAborted).ConfigureAwait(false);
        try
        {
            await HandleCoreAsync(context, http, sessionId).ConfigureAwait(false);
        }
        finally
        {
            http.UplinkGate.Release();
        }
    }

    // Must hold http.UplinkGate.
    private async Task HandleCoreAsync(HttpContext context, HttpSession http, string sessionId)
    {
        var session = http.Session;
        var body = await HttpResponses.ReadBodyAsync(context.Request, options.MaxFrameBytes).ConfigureAwait(false);
        try
        {
            if (body is null)
            {
                throw new ProtocolException(ErrorCodes.FrameTooLarge, $"Request bodies are limited to {options.MaxFrameBytes} bytes.");
            }

            var frames = JsonFrameCodec.Instance.DecodeBatch(body, Math.Min(1024, http.RateLimiter.MaxFramesPerRequest));
            if (!http.RateLimiter.TryAcquire(frames.Count, out var retryAfter))
            {
                // The request is refused whole and the session stays: the client retries after the wait.
                Log.RateLimited(logger, sessionId, retryAfter);
                context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await HttpResponses.ErrorAsync(context, StatusCodes.Status429TooManyRequests, ErrorCodes.RateLimited,
                    $"More than {options.MaxFramesPerSecond} frames per second.").ConfigureAwait(false);
                return;
            }

            foreach (var frame in frames)
            {
                await session.HandleAsync(frame, context.RequestAborted).ConfigureAwait(false);
            }

            context.Response.StatusCode = StatusCodes.Status202Accepted;
        }
        catch (ProtocolException ex)
        {
            // The session is closed as over WebSocket, and this request says why.
            Log.BadFrame(logger, sessionId, ex.ErrorCode, ex.Message);
            session.Fail(ex.ErrorCode, ex.Message);
            await HttpResponses.ErrorAsync(context, HttpResponses.StatusFor(ex), ex.ErrorCode, ex.Message).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or System.Threading.Channels.ChannelClosedException)
        {
            session.Fail(ErrorCodes.ShuttingDown, "The server is shutting down; reconnect and resume.");
            await HttpResponses.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, ErrorCodes.ShuttingDown, "The server is shutting down.").ConfigureAwait(false);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 61, EventName = "HttpUplinkRateLimited", Level = LogLevel.Warning, Message = "Session {SessionId}: uplink over its frame rate; 429, retry after {RetryAfter}.")]
        public static partial void RateLimited(ILogger logger, string sessionId, TimeSpan retryAfter);

        [LoggerMessage(EventId = 60, EventName = "HttpUplinkBadFrame", Level = LogLevel.Warning, Message = "Session {SessionId}: bad frame over HTTP ({ErrorCode}): {Detail}")]
        public static partial void BadFrame(ILogger logger, string sessionId, string errorCode, string detail);
    }
}
