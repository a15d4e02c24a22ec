using System.Text;
using Converge.Testing.Faults;
using CsCheck;

namespace Converge.IntegrationTests.Faults;

/// <summary>
/// The proxy's HTTP inspector must never change a byte of what it forwards, however the stream is split into
/// reads, and must see every request head of a kept-alive connection, across bodies of every framing.
/// </summary>
public sealed class HttpRequestInspectorTests
{
    private static readonly Gen<byte[]> Body = Gen.OneOf(
        Gen.Byte.Array[0, 300],
        Gen.Const("\r\n\r\nGET /not-a-request HTTP/1.1\r\n\r\n"u8.ToArray()));

    /// <summary>A request as (wire bytes, the head the inspector must report).</summary>
    private static readonly Gen<(byte[] Wire, string Head)> Request = Gen.OneOf(
        from n in Gen.Int[0, 999]
        select Wire($"GET /get/{n}?q={n} HTTP/1.1\r\nHost: x\r\n\r\n", [], $"GET /get/{n}?q={n} HTTP/1.1"),
        from body in Body
        select Wire($"POST /length HTTP/1.1\r\nContent-Length: {body.Length}\r\n\r\n", body, "POST /length HTTP/1.1"),
        from chunks in Gen.Byte.Array[1, 80].Array[0, 4]
        from trailer in Gen.Bool
        select Wire("PUT /chunked HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", Chunked(chunks, trailer), "PUT /chunked HTTP/1.1"));

    [Fact]
    public void Requests_split_anywhere__are_forwarded_unchanged_and_every_head_is_seen()
    {
        var gen = from requests in Request.Array[1, 6]
                  from reads in Gen.Int[1, 64].Array[1, 200]
                  select (requests, reads);
        gen.Sample((requests, reads) =>
        {
            var stream = requests.SelectMany(r => r.Wire).ToArray();
            var (forwarded, heads) = Inspect(stream, reads);
            Assert.Equal(stream, forwarded);
            Assert.Equal(requests.Select(r => r.Head), heads);
        }, iter: 2_000);
    }

    [Fact]
    public void Any_bytes_split_anywhere__are_forwarded_unchanged()
    {
        Gen.Select(Gen.Byte.Array[0, 2000], Gen.Int[1, 64].Array[1, 200]).Sample((stream, reads) =>
        {
            Assert.Equal(stream, Inspect(stream, reads).Forwarded);
        }, iter: 2_000);
    }

    [Fact]
    public void A_websocket_upgrade__is_reported_and_what_follows_is_opaque()
    {
        var stream = "GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: WebSocket\r\n\r\nGET /hidden HTTP/1.1\r\n\r\n"u8.ToArray();
        var inspector = new HttpRequestInspector(1024);

        Assert.Equal(InspectionStep.HeadComplete, inspector.Next(stream, out var consumed));
        Assert.True(inspector.Head!.IsWebSocketUpgrade);
        Assert.Equal("/ws", inspector.Head.Path);
        inspector.Release();
        Assert.True(inspector.IsOpaque);
        Assert.Equal(InspectionStep.Forward, inspector.Next(stream.AsSpan(consumed), out var rest));
        Assert.Equal(stream.Length - consumed, rest);
    }

    private static (byte[] Forwarded, List<string> Heads) Inspect(byte[] stream, int[] reads)
    {
        var inspector = new HttpRequestInspector(1024);
        var forwarded = new List<byte>();
        var heads = new List<string>();
        var offset = 0;
        for (var i = 0; offset < stream.Length; i++)
        {
            var data = stream.AsSpan(offset, Math.Min(reads[i % reads.Length], stream.Length - offset));
            offset += data.Length;
            while (!data.IsEmpty)
            {
                var step = inspector.Next(data, out var consumed);
                Assert.InRange(consumed, 1, data.Length);
                var taken = data[..consumed];
                data = data[consumed..];
                switch (step)
                {
                    case InspectionStep.Forward:
                        forwarded.AddRange(taken);
                        break;
                    case InspectionStep.HeadComplete:
                        heads.Add(inspector.Head!.ToString());
                        forwarded.AddRange(inspector.HeldBytes);
                        inspector.Release();
                        break;
                    case InspectionStep.NotHttp:
                        forwarded.AddRange(inspector.HeldBytes);
                        inspector.Release();
                        break;
                    default:
                        break;
                }
            }
        }

        // An incomplete head at the end of the stream is still held; the proxy forwards nothing of it until it completes.
        forwarded.AddRange(inspector.HeldBytes);
        return (forwarded.ToArray(), heads);
    }

    private static (byte[] Wire, string Head) Wire(string head, byte[] body, string expected) =>
        ([.. Encoding.ASCII.GetBytes(head), .. body], expected);

    private static byte[] Chunked(byte[][] chunks, bool trailer)
    {
        var wire = new List<byte>();
        foreach (var chunk in chunks)
        {
            wire.AddRange(Encoding.ASCII.GetBytes($"{chunk.Length:x};ext=1\r\n"));
            wire.AddRange(chunk);
            wire.AddRange("\r\n"u8);
        }

        wire.AddRange(Encoding.ASCII.GetBytes(trailer ? "0\r\nX-Trailer: yes\r\n\r\n" : "0\r\n\r\n"));
        return [.. wire];
    }
}
