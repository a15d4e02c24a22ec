using System.Buffers;
using System.Globalization;
using Converge.Protocol;
using Converge.Protocol.Codecs;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Converge.Server.Transports;

/// <summary>
/// HTTP long polling. <c>GET {pattern}/poll?hello=…</c> opens a session and answers its first frames;
/// <c>GET {pattern}/poll/{session}?since=N</c> answers, as a JSON array, the frames after index N, holding the
/// request up to <see cref="ConvergeServerOptions.LongPollTimeout"/> when there are none. N confirms what the client
/// has received: frames up to it are forgotten, later ones are sent again, so a lost response loses nothing.
/// Headers: <c>Converge-Session</c>, <c>Converge-Cursor</c> (the index of the last frame in the body), and, when the
/// session has ended, <c>Converge-Close-Code</c> and <c>Converge-Close-Reason</c>.
/// </summary>
internal sealed partial class LongPollingEndpoint(HttpSessionRegistry sessions, ConvergeServerOptions options, TimeProvider time, ILogger<LongPollingEndpoint> logger)
{
    private const int MaxFramesPerResponse = 256;

    // Well under the .NET client's default 16 MiB response limit; a single larger frame still goes, alone.
    private const int MaxBytesPerResponse = 4 * 1024 * 1024;

    public async Task OpenAsync(HttpContext context)
    {
        HttpSession http;
        try
        {
            http = await sessions.OpenAsync(HttpSessionRegistry.ReadHello(context.Request), context.User, "longpolling", context.RequestAborted).ConfigureAwait(false);
        }
        catch (ProtocolException ex)
        {
            Log.Refused(logger, ex.ErrorCode, ex.Message);
            await HttpResponses.ErrorAsync(context, HttpResponses.StatusFor(ex), ex.ErrorCode, ex.Message).ConfigureAwait(false);
            return;
        }

        await http.Gate.WaitAsync(context.RequestAborted).ConfigureAwait(false);
        try
        {
            await RespondAsync(context, http, since: 0).ConfigureAwait(false);
        }
        finally
        {
            http.Gate.Release();
        }
    }

    public async Task PollAsync(HttpContext context, string sessionId)
    {
        if (!sessions.TryGet(sessionId, out var http) || http.Transport != "longpolling" || !HttpSessionRegistry.BelongsTo(http, context.User))
        {
            await HttpResponses.ErrorAsync(context, StatusCodes.Status404NotFound, ErrorCodes.UnknownSession,
                "No such session (it ended or expired); open a new one with your cursors.").ConfigureAwait(false);
            return;
        }

        if (!long.TryParse(context.Request.Query["since"], NumberStyles.None, CultureInfo.InvariantCulture, out var since))
        {
            await HttpResponses.ErrorAsync(context, StatusCodes.Status400BadRequest, ErrorCodes.MalformedFrame,
                "'since' (the index of the last frame received in this session) is required.").ConfigureAwait(false);
            return;
        }

        http.Session.Touch(time);
        if (!await http.Gate.WaitAsync(0).ConfigureAwait(false))
        {
            await HttpResponses.ErrorAsync(context, StatusCodes.Status409Conflict, ErrorCodes.PollInProgress,
                "Another poll is already waiting on this session.").ConfigureAwait(false);
            return;
        }

        try
        {
            await RespondAsync(context, http, since).ConfigureAwait(false);
        }
        finally
        {
            http.Gate.Release();
        }
    }

    /// <summary><c>DELETE {pattern}/poll/{session}</c>: the client is leaving; end the session now rather than at its timeout.</summary>
    public async Task EndAsync(HttpContext context, string sessionId)
    {
        if (sessions.TryGet(sessionId, out var http) && http.Transport == "longpolling" && HttpSessionRegistry.BelongsTo(http, context.User))
        {
            http.Session.Close(ConvergeCloseCode.Normal, "The client ended the session.");
            await sessions.RemoveAsync(http).ConfigureAwait(false);
        }

        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    // Must hold http.Gate.
    private async Task RespondAsync(HttpContext context, HttpSession http, long since)
    {
        if (since < http.FirstRetained - 1 || since > http.LastIndex)
        {
            await HttpResponses.ErrorAsync(context, StatusCodes.Status410Gone, ErrorCodes.CursorUnavailable,
                $"Frames after {since} are not held by this session; open a new session with your document cursors.").ConfigureAwait(false);
            return;
        }

        var confirmed = (int)(since - (http.FirstRetained - 1));
        http.Retained.RemoveRange(0, confirmed);
        http.FirstRetained += confirmed;

        var outbound = http.Session.Outbound;
        if (http.Retained.Count == 0)
        {
            using var timeout = new CancellationTokenSource(options.LongPollTimeout, time);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, context.RequestAborted);
            try
            {
                await outbound.WaitToReadAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
            {
                // Nothing within the timeout: answer an empty batch; the client polls again at once.
            }
        }

        // Bounded responses: a backlog goes out over several polls rather than as one response of unbounded size
        // (a chunked snapshot of a large document would otherwise pass the client's response limit).
        var bytes = http.Retained.Sum(static f => JsonFrameCodec.Instance.Encode(f).Length);
        while (http.Retained.Count < MaxFramesPerResponse && bytes < MaxBytesPerResponse && outbound.TryRead(out var frame))
        {
            http.Retained.Add(frame);
            bytes += JsonFrameCodec.Instance.Encode(frame).Length;
        }

        http.Session.Touch(time);
        var response = context.Response;
        response.ContentType = "application/json";
        response.Headers.CacheControl = "no-cache, no-store";
        response.Headers["Converge-Session"] = http.Session.SessionId;
        response.Headers["Converge-Cursor"] = http.LastIndex.ToString(CultureInfo.InvariantCulture);
        var ended = outbound.Completion.IsCompleted;
        if (ended)
        {
            var close = http.Session.CloseReason ?? new Sessions.SessionClose(ConvergeCloseCode.Normal, "Closed.");
            response.Headers["Converge-Close-Code"] = ((int)close.Code).ToString(CultureInfo.InvariantCulture);
            response.Headers["Converge-Close-Reason"] = Uri.EscapeDataString(close.Reason);
        }

        var body = new ArrayBufferWriter<byte>(1024);
        JsonFrameCodec.Instance.EncodeBatch(http.Retained, body);
        await response.Body.WriteAsync(body.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
        if (ended)
        {
            await sessions.RemoveAsync(http).ConfigureAwait(false);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 80, EventName = "LongPollRefused", Level = LogLevel.Warning, Message = "Long-polling session refused ({ErrorCode}): {Detail}")]
        public static partial void Refused(ILogger logger, string errorCode, string detail);
    }
}
