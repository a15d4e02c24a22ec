using System.Text;

namespace Converge.Testing.Faults;

/// <summary>
/// The request line and header fields of one HTTP/1.x request as the <see cref="FaultProxy"/> saw it on the wire:
/// what block and buffering predicates decide on.
/// </summary>
public sealed class HttpRequestHead
{
    private HttpRequestHead(string method, string target, string version, IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        Method = method;
        Target = target;
        Version = version;
        Headers = headers;
        var query = target.IndexOf('?', StringComparison.Ordinal);
        Path = query < 0 ? target : target[..query];
    }

    /// <summary>The method, e.g. <c>GET</c>.</summary>
    public string Method { get; }

    /// <summary>The request target as sent, e.g. <c>/sync/poll?since=12</c>.</summary>
    public string Target { get; }

    /// <summary>The target without its query, e.g. <c>/sync/poll</c>.</summary>
    public string Path { get; }

    /// <summary>The protocol version, e.g. <c>HTTP/1.1</c>.</summary>
    public string Version { get; }

    /// <summary>Header fields in wire order, names as sent.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    /// <summary>
    /// True when the request asks to switch to WebSocket: an <c>Upgrade</c> field listing <c>websocket</c>
    /// (RFC 6455 §4.1), whatever the case.
    /// </summary>
    public bool IsWebSocketUpgrade => HasToken("Upgrade", "websocket");

    /// <summary>True when the request switches protocols (<c>Connection: upgrade</c> with an <c>Upgrade</c> field) or is a <c>CONNECT</c>: after it the bytes are opaque.</summary>
    internal bool SwitchesProtocols =>
        Method == "CONNECT" || (HasToken("Connection", "upgrade") && this["Upgrade"] is not null);

    /// <summary>The first field named <paramref name="name"/> (case-insensitive), or null.</summary>
    public string? this[string name] =>
        Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>True when any field named <paramref name="name"/> lists <paramref name="token"/> among its comma-separated values (case-insensitive).</summary>
    public bool HasToken(string name, string token) =>
        Headers.Any(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)
            && h.Value.Split(',').Any(v => string.Equals(v.Trim(), token, StringComparison.OrdinalIgnoreCase)));

    /// <inheritdoc/>
    public override string ToString() => $"{Method} {Target} {Version}";

    /// <summary>Parses a complete head (through its empty line); null when it is not a well-formed HTTP/1.x request head.</summary>
    internal static HttpRequestHead? TryParse(ReadOnlySpan<byte> head)
    {
        // Latin-1 maps every byte to one char, so odd bytes cannot make decoding fail (RFC 9110 §5.5: field values are opaque octets).
        var lines = Encoding.Latin1.GetString(head).Split("\r\n");
        var requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3 || !requestLine[2].StartsWith("HTTP/1.", StringComparison.Ordinal) || requestLine[1].Length == 0)
        {
            return null;
        }

        var headers = new List<KeyValuePair<string, string>>();
        foreach (var line in lines.Skip(1).TakeWhile(l => l.Length > 0))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                return null;
            }

            headers.Add(new(line[..colon], line[(colon + 1)..].Trim()));
        }

        return new HttpRequestHead(requestLine[0], requestLine[1], requestLine[2], headers);
    }
}
