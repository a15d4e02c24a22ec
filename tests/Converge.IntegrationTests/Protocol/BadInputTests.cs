using System.Net.WebSockets;
using System.Text.Json;
using Converge.Client;
using Converge.IntegrationTests.Infrastructure;
using Converge.Model.Documents;
using Converge.Protocol;
using Converge.Protocol.Frames;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Converge.IntegrationTests.Protocol;

public sealed class BadInputTests : IAsyncLifetime
{
    private readonly TempDirectory _temp = new();
    private TestServer _server = null!;

    public async ValueTask InitializeAsync() =>
        _server = await TestServer.StartAsync(_temp.File("converge.db"), options => options.MaxFrameBytes = 4096);

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _temp.Dispose();
    }

    public static TheoryData<string, string, int, bool> BadFrames() => new()
    {
        // payload, expected error code, expected close code, send hello first
        { "this is not json", ErrorCodes.MalformedFrame, 4400, false },
        { "[1,2,3]", ErrorCodes.MalformedFrame, 4400, false },
        { """{"clientId":"x"}""", ErrorCodes.MalformedFrame, 4400, false },
        { """{"type":42}""", ErrorCodes.MalformedFrame, 4400, false },
        { """{"type":"hello","protocolVersion":1}""", ErrorCodes.MalformedFrame, 4400, false },
        { """{"type":"hello","protocolVersion":1,"clientId":""}""", ErrorCodes.MalformedFrame, 4400, false },
        { """{"type":"hello","protocolVersion":"1","clientId":"a"}""", ErrorCodes.MalformedFrame, 4400, false },
        { """{"type":"hello","protocolVersion":1,"clientId":"a","clientId":"b"}""", ErrorCodes.MalformedFrame, 4400, false },
        { """{"type":"hello","protocolVersion":2,"clientId":"a"}""", ErrorCodes.UnsupportedVersion, 4406, false },
        { """{"type":"teleport"}""", ErrorCodes.UnknownFrameType, 4415, true },
        { """{"type":"subscribe","documentId":"doc"}""", ErrorCodes.UnexpectedFrame, 4405, false },
        { """{"type":"hello","protocolVersion":1,"clientId":"again"}""", ErrorCodes.UnexpectedFrame, 4405, true },
        { """{"type":"ack","documentId":"doc","clientSeq":1,"sequence":1}""", ErrorCodes.UnexpectedFrame, 4405, true },
        { """{"type":"subscribe","documentId":"","since":0}""", ErrorCodes.MalformedFrame, 4400, true },
        { """{"type":"subscribe","documentId":"doc","since":-5}""", ErrorCodes.MalformedFrame, 4400, true },
        { """{"type":"push","documentId":"doc","changes":[]}""", ErrorCodes.MalformedFrame, 4400, true },
        { """{"type":"push","documentId":"doc","changes":[{"clientId":"raw","clientSeq":1,"operations":[{"op":"explode","key":"k"}]}]}""", ErrorCodes.MalformedFrame, 4400, true },
        { """{"type":"push","documentId":"doc","changes":[{"clientId":"raw","clientSeq":1,"operations":[{"op":"set","key":""}]}]}""", ErrorCodes.MalformedFrame, 4400, true },
        { """{"type":"push","documentId":"doc","changes":[{"clientId":"raw","clientSeq":0,"operations":[{"op":"remove","key":"k"}]}]}""", ErrorCodes.MalformedFrame, 4400, true },
    };

    [Theory]
    [MemberData(nameof(BadFrames))]
    public async Task A_bad_frame__gets_an_error_frame_and_its_documented_close_code_and_is_logged(string payload, string errorCode, int closeCode, bool helloFirst)
    {
        await using var socket = await RawSocket.ConnectAsync(_server);
        if (helloFirst)
        {
            await socket.HelloAsync();
            await socket.ReceiveAsync<WelcomeFrame>();
        }

        await socket.SendTextAsync(payload);
        var frames = await socket.ReceiveUntilClosedAsync();

        var error = Assert.IsType<ErrorFrame>(Assert.Single(frames));
        Assert.Equal(errorCode, error.Code);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        Assert.Equal(closeCode, (int?)socket.CloseStatus);
        Assert.Contains(_server.Logs.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains(errorCode, StringComparison.Ordinal));
        await AssertServerStillServesAsync();
    }

    [Fact]
    public async Task An_oversized_frame__closes_with_4413_and_the_server_keeps_serving()
    {
        await using var socket = await RawSocket.ConnectAsync(_server);
        await socket.HelloAsync();
        await socket.ReceiveAsync<WelcomeFrame>();
        await socket.SendTextAsync($$"""{"type":"ping","payload":1,"pad":"{{new string('x', 10_000)}}"}""");

        var frames = await socket.ReceiveUntilClosedAsync();
        Assert.Equal(ErrorCodes.FrameTooLarge, Assert.IsType<ErrorFrame>(Assert.Single(frames)).Code);
        Assert.Equal(4413, (int?)socket.CloseStatus);
        await AssertServerStillServesAsync();
    }

    [Fact]
    public async Task A_binary_frame_without_the_binary_codec__closes_with_1003()
    {
        await using var socket = await RawSocket.ConnectAsync(_server);
        await socket.SendBytesAsync([0x01, 0x02, 0x03], WebSocketMessageType.Binary);

        var frames = await socket.ReceiveUntilClosedAsync();
        Assert.Equal(ErrorCodes.UnsupportedEncoding, Assert.IsType<ErrorFrame>(Assert.Single(frames)).Code);
        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData - 4, socket.CloseStatus); // 1003
        await AssertServerStillServesAsync();
    }

    [Fact]
    public async Task A_plain_http_request__gets_426_with_an_explanation()
    {
        using var http = new HttpClient();
        var response = await http.GetAsync(new Uri($"http://127.0.0.1:{_server.Port}/sync"));
        Assert.Equal(426, (int)response.StatusCode);
        Assert.Contains("WebSocket", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_push_with_another_clients_id_or_to_an_unsubscribed_document__is_rejected_without_closing()
    {
        await using var socket = await RawSocket.ConnectAsync(_server);
        await socket.HelloAsync("mallory");
        await socket.ReceiveAsync<WelcomeFrame>();
        var set = new SetValue("k", JsonSerializer.SerializeToElement(1));

        await socket.SendAsync(new PushFrame("elsewhere", [new ClientChange("mallory", 1, [set])]));
        Assert.Equal(ErrorCodes.NotSubscribed, (await socket.ReceiveAsync<RejectFrame>()).Code);

        await socket.SendAsync(new SubscribeFrame("doc"));
        await socket.ReceiveAsync<SnapshotFrame>();
        await socket.ReceiveAsync<SubscribedFrame>();
        await socket.SendAsync(new PushFrame("doc", [new ClientChange("alice", 1, [set])]));
        Assert.Equal(ErrorCodes.InvalidChange, (await socket.ReceiveAsync<RejectFrame>()).Code);

        await socket.SendAsync(new PingFrame(7));
        Assert.Equal(7, (await socket.ReceiveAsync<PongFrame>()).Payload);
    }

    [Fact]
    public async Task A_change_pushed_twice__is_acknowledged_twice_with_the_same_sequence_and_applied_once()
    {
        await using var socket = await RawSocket.ConnectAsync(_server);
        await socket.HelloAsync("retrier");
        await socket.ReceiveAsync<WelcomeFrame>();
        await socket.SendAsync(new SubscribeFrame("doc"));
        await socket.ReceiveAsync<SnapshotFrame>();
        await socket.ReceiveAsync<SubscribedFrame>();
        var change = new ClientChange("retrier", 1, [new SetValue("k", JsonSerializer.SerializeToElement("once"))]);

        await socket.SendAsync(new PushFrame("doc", [change]));
        var first = await socket.ReceiveAsync<AckFrame>();
        await socket.SendAsync(new PushFrame("doc", [change]));
        var second = await socket.ReceiveAsync<AckFrame>();
        await socket.SendAsync(new PushFrame("doc", [change with { ClientSeq = 2 }, change]));
        var third = await socket.ReceiveAsync<AckFrame>();
        var fourth = await socket.ReceiveAsync<AckFrame>();

        Assert.Equal((1L, 1L), (first.ClientSeq, first.Sequence));
        Assert.Equal((1L, 1L), (second.ClientSeq, second.Sequence));
        Assert.Equal((2L, 2L), (third.ClientSeq, third.Sequence));
        Assert.Equal((1L, 1L), (fourth.ClientSeq, fourth.Sequence));

        await using var observer = new ConvergeClient(new ConvergeClientOptions { ServerUri = _server.SyncUri });
        await observer.StartAsync();
        Assert.Equal(2, (await observer.OpenDocumentAsync("doc")).Sequence);
    }

    private async Task AssertServerStillServesAsync()
    {
        await using var client = new ConvergeClient(new ConvergeClientOptions { ServerUri = _server.SyncUri });
        await client.StartAsync();
        var document = await client.OpenDocumentAsync($"healthy-{Guid.NewGuid():N}");
        Assert.Equal(1, await (await document.SetAsync("ok", JsonSerializer.SerializeToElement(true))).Acknowledged);
    }
}

public sealed class HelloTimeoutTests
{
    [Fact]
    public async Task A_client_that_goes_silent__is_dropped_with_4408_once_the_client_timeout_passes()
    {
        using var temp = new TempDirectory();
        var time = new FakeTimeProvider();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"), options => options.ClientTimeout = TimeSpan.FromSeconds(45), time);
        await using var socket = await RawSocket.ConnectAsync(server);
        await socket.HelloAsync();
        await socket.ReceiveAsync<WelcomeFrame>();
        var closed = socket.ReceiveUntilClosedAsync();

        // The liveness check runs every third of the timeout: silent for 45 s is tolerated, past it is not.
        for (var i = 0; i < 3; i++)
        {
            time.Advance(TimeSpan.FromSeconds(15));
        }

        Assert.False(closed.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(15));
        var frames = await closed;
        Assert.Equal(ErrorCodes.Timeout, Assert.IsType<ErrorFrame>(Assert.Single(frames)).Code);
        Assert.Equal(4408, (int?)socket.CloseStatus);
        await server.UntilActiveSessionsAsync(0);
    }

    [Fact]
    public async Task A_connection_that_never_says_hello__is_closed_with_4408_when_the_timeout_passes()
    {
        using var temp = new TempDirectory();
        var time = new FakeTimeProvider();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"), options => options.HelloTimeout = TimeSpan.FromSeconds(10), time);
        await using var socket = await RawSocket.ConnectAsync(server);

        var closed = socket.ReceiveUntilClosedAsync();
        // Time moves only once the server has armed the session's hello timer.
        await server.UntilActiveSessionsAsync(1);
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(closed.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(2));

        var frames = await closed;
        Assert.Equal(ErrorCodes.Timeout, Assert.IsType<ErrorFrame>(Assert.Single(frames)).Code);
        Assert.Equal(4408, (int?)socket.CloseStatus);
    }
}
