using System.Buffers;
using System.Text;
using System.Text.Json;
using Converge.Protocol;
using Converge.Protocol.Codecs;
using Converge.Protocol.Frames;
using Converge.Server.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Converge.Server.Transports;

/// <summary>
/// <c>GET {pattern}/sse?hello=…</c>: the session's frames as a <c>text/event-stream</c> (WHATWG server-sent
/// events). Each frame is one event's <c>data</c>; events that move a document cursor carry <c>id:</c> = every
/// cursor (see <see cref="ResumeCursor"/>), so a browser's EventSource resumes with <c>Last-Event-ID</c>. Idle
/// streams get keep-alive comments; the end of a session is an <c>event: close</c> with its close code.
/// </summary>
internal sealed partial class ServerSentEventsEndpoint(HttpSessionRegistry sessions, ConvergeServerOptions options, TimeProvider time, ILogger<ServerSentEventsEndpoint> logger)
{
    private static readonly byte[] KeepAlive = ": keep-alive\n\n"u8.ToArray();

    public async Task HandleAsync(HttpContext context)
    {
        HttpSession http;
        try
        {
            var hello = HttpSessionRegistry.ReadHello(context.Request);
            if (ResumeCursor.TryParse(context.Request.Headers["Last-Event-ID"].ToString()) is { } resume)
            {
                Log.Resuming(logger, resume.Cursors.Count);
                hello = Resume(hello, resume);
            }

            http = await sessions.OpenAsync(hello, context.User, "sse", context.RequestAborted).ConfigureAwait(false);
        }
        catch (ProtocolException ex)
        {
            Log.Refused(logger, ex.ErrorCode, ex.Message);
            await HttpResponses.ErrorAsync(context, HttpResponses.StatusFor(ex), ex.ErrorCode, ex.Message).ConfigureAwait(false);
            return;
        }

        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache, no-store";
        // Ask reverse proxies (nginx) not to buffer the stream.
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        try
        {
            await StreamAsync(context, http).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The client went away; the session ends below.
        }
        finally
        {
            http.Session.Close(ConvergeCloseCode.Normal, "The event stream ended.");
            await sessions.RemoveAsync(http).ConfigureAwait(false);
        }
    }

    // Subscriptions named by Last-Event-ID resume from there; ones only in the hello keep the hello's cursor.
    private static HelloFrame Resume(HelloFrame hello, ResumeCursor resume)
    {
        var merged = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var subscription in hello.Subscriptions ?? [])
        {
            merged[subscription.DocumentId] = subscription.Since;
        }

        foreach (var (document, sequence) in resume.Cursors)
        {
            merged[document] = sequence;
        }

        // The header comes from the client as the hello does: the merged hello obeys the same rules, or the header is ignored.
        var resumed = hello with { Subscriptions = merged.Select(static p => new Subscription(p.Key, p.Value)).ToArray() };
        return resumed.Validate() is null ? resumed : hello;
    }

    private async Task StreamAsync(HttpContext context, HttpSession http)
    {
        var aborted = context.RequestAborted;
        var body = context.Response.BodyWriter;
        var outbound = http.Session.Outbound;
        var cursor = new ResumeCursor();
        var buffer = new ArrayBufferWriter<byte>(4096);
        await WriteAsync(body, Encoding.UTF8.GetBytes($"retry: {(long)options.SseRetry.TotalMilliseconds}\n\n"), aborted).ConfigureAwait(false);
        while (true)
        {
            using (var idle = new CancellationTokenSource(options.SseKeepAliveInterval, time))
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(idle.Token, aborted))
            {
                try
                {
                    if (!await outbound.WaitToReadAsync(wait.Token).ConfigureAwait(false))
                    {
                        break;
                    }
                }
                catch (OperationCanceledException) when (idle.IsCancellationRequested && !aborted.IsCancellationRequested)
                {
                    await WriteAsync(body, KeepAlive, aborted).ConfigureAwait(false);
                    continue;
                }
            }

            buffer.ResetWrittenCount();
            while (outbound.TryRead(out var frame))
            {
                WriteEvent(buffer, frame, cursor);
            }

            await WriteAsync(body, buffer.WrittenMemory, aborted).ConfigureAwait(false);
        }

        var close = http.Session.CloseReason ?? new Sessions.SessionClose(ConvergeCloseCode.Normal, "Closed.");
        var notice = JsonSerializer.Serialize(new Dictionary<string, object> { ["code"] = (int)close.Code, ["reason"] = close.Reason });
        await WriteAsync(body, Encoding.UTF8.GetBytes($"event: close\ndata: {notice}\n\n"), aborted).ConfigureAwait(false);
    }

    private static void WriteEvent(ArrayBufferWriter<byte> buffer, Frame frame, ResumeCursor cursor)
    {
        var moved = frame switch
        {
            SnapshotFrame snapshot => cursor.Advance(snapshot.DocumentId, snapshot.Sequence),
            ChangesFrame changes => cursor.Advance(changes.DocumentId, changes.Changes[^1].Sequence),
            AckFrame ack => cursor.Advance(ack.DocumentId, ack.Sequence),
            _ => false,
        };
        if (moved)
        {
            Append(buffer, "id: ");
            Append(buffer, cursor.ToString());
            Append(buffer, "\n");
        }

        // The JSON codec writes no line breaks, so one data line carries the whole frame.
        Append(buffer, "data: ");
        if (SharedFrameEncoding.TryGet(frame, JsonFrameCodec.Instance, out var shared))
        {
            buffer.Write(shared.Span);
        }
        else
        {
            JsonFrameCodec.Instance.Encode(frame, buffer);
        }
        Append(buffer, "\n\n");
    }

    private static void Append(ArrayBufferWriter<byte> buffer, string text)
    {
        var count = Encoding.UTF8.GetByteCount(text);
        Encoding.UTF8.GetBytes(text, buffer.GetSpan(count));
        buffer.Advance(count);
    }

    private static async Task WriteAsync(System.IO.Pipelines.PipeWriter body, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await body.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        await body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 71, EventName = "SseResuming", Level = LogLevel.Information, Message = "SSE stream resuming from Last-Event-ID for {Documents} document(s).")]
        public static partial void Resuming(ILogger logger, int documents);

        [LoggerMessage(EventId = 70, EventName = "SseRefused", Level = LogLevel.Warning, Message = "SSE connection refused ({ErrorCode}): {Detail}")]
        public static partial void Refused(ILogger logger, string errorCode, string detail);
    }
}
