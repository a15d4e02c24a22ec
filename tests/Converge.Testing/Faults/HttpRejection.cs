using System.Text;

namespace Converge.Testing.Faults;

/// <summary>
/// The HTTP response a <see cref="FaultProxy"/> answers in place of the server when it blocks a request
/// (<see cref="FaultProxy.BlockWebSocketUpgrades(HttpRejection)"/>, <see cref="FaultProxy.BlockRequests(Func{HttpRequestHead, bool}, HttpRejection)"/>).
/// The response always carries <c>Connection: close</c> and a <c>Content-Length</c>; the proxy closes the connection after it.
/// </summary>
/// <param name="StatusCode">The status code, 100 to 999 (e.g. 403, 502, 503).</param>
public sealed record HttpRejection(int StatusCode)
{
    /// <summary>The response body (plain text). Default: a line naming the proxy.</summary>
    public string Body { get; init; } = "Blocked by the fault proxy.\n";

    /// <summary>Extra headers, e.g. <c>Retry-After: 2</c> on a 503. Default: none.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>The wire form of the response.</summary>
    internal byte[] Encode()
    {
        if (StatusCode is < 100 or > 999)
        {
            throw new ArgumentOutOfRangeException(nameof(StatusCode), StatusCode, "An HTTP status code has three digits.");
        }

        var body = Encoding.UTF8.GetBytes(Body);
        var head = new StringBuilder()
            .Append("HTTP/1.1 ").Append(StatusCode).Append(' ').Append(ReasonPhrase(StatusCode)).Append("\r\n")
            .Append("Content-Type: text/plain; charset=utf-8\r\n")
            .Append("Content-Length: ").Append(body.Length).Append("\r\n")
            .Append("Connection: close\r\n");
        foreach (var (name, value) in Headers ?? new Dictionary<string, string>())
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        head.Append("\r\n");
        return [.. Encoding.ASCII.GetBytes(head.ToString()), .. body];
    }

    // Clients ignore the reason phrase (RFC 9112 §4); a readable one helps whoever reads a capture.
    private static string ReasonPhrase(int statusCode) => statusCode switch
    {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Blocked",
    };
}
