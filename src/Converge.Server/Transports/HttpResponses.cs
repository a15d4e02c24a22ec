using System.Text.Json;
using Converge.Protocol;
using Microsoft.AspNetCore.Http;

namespace Converge.Server.Transports;

/// <summary>How the HTTP transports answer bad requests: a status and a JSON body <c>{"code":…,"message":…}</c>.</summary>
internal static class HttpResponses
{
    public static Task ErrorAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["code"] = code, ["message"] = message });
        return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    public static int StatusFor(ProtocolException exception) => exception.ErrorCode switch
    {
        ErrorCodes.FrameTooLarge => StatusCodes.Status413PayloadTooLarge,
        ErrorCodes.Unauthorized => StatusCodes.Status401Unauthorized,
        ErrorCodes.Forbidden => StatusCodes.Status403Forbidden,
        ErrorCodes.ShuttingDown => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status400BadRequest,
    };

    /// <summary>Reads a request body of at most <paramref name="maxBytes"/>; null when it is larger.</summary>
    public static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int maxBytes)
    {
        if (request.ContentLength > maxBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
