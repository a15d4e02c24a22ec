using System.Buffers;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Threading.Channels;
using Converge.Protocol;
using Converge.Protocol.Codecs;
using Converge.Protocol.Frames;
using Converge.Server.Authority;
using Converge.Server.Security;
using Converge.Server.Sessions;
using Converge.Server.Storage;
using Converge.Server.Transports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Converge.Server.Tests.Transports;

public sealed class WebSocketConnectionTests
{
    [Fact]
    public async Task An_idle_connection__waits_for_the_next_message_without_a_receive_buffer()
    {
        await using var host = await Host.StartAsync();
        var socket = new ScriptedWebSocket(readChunk: 7);
        var run = host.Run(socket);

        // A hello in 7-byte pieces, then nothing: the connection must hold no buffer while it waits.
        socket.Deliver(Encode(new HelloFrame(ConvergeProtocol.Version, "idle-client")));
        Assert.IsType<WelcomeFrame>(await socket.NextSentAsync());
        await socket.WaitUntilBlockedAsync();

        Assert.All(socket.BlockedReadLengths, length => Assert.Equal(0, length));
        socket.DeliverClose();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Messages_after_an_idle_wait__arrive_whole_whether_split_or_empty()
    {
        await using var host = await Host.StartAsync();
        var socket = new ScriptedWebSocket(readChunk: 5);
        var run = host.Run(socket);

        socket.Deliver(Encode(new HelloFrame(ConvergeProtocol.Version, "split-client")));
        Assert.IsType<WelcomeFrame>(await socket.NextSentAsync());
        socket.Deliver(Encode(new PingFrame(42)));
        Assert.Equal(42, Assert.IsType<PongFrame>(await socket.NextSentAsync()).Payload);

        // An empty message is not a frame: the session fails it as malformed, as it did with a buffer.
        socket.Deliver([]);
        Assert.Equal(ErrorCodes.MalformedFrame, Assert.IsType<ErrorFrame>(await socket.NextSentAsync()).Code);
        socket.DeliverClose();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static byte[] Encode(Frame frame)
    {
        var buffer = new ArrayBufferWriter<byte>();
        JsonFrameCodec.Instance.Encode(frame, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private sealed class Host : IAsyncDisposable
    {
        private readonly ServiceProvider _services;
        private readonly DirectoryInfo _directory;

        private Host(ServiceProvider services, DirectoryInfo directory)
        {
            _services = services;
            _directory = directory;
        }

        public static async Task<Host> StartAsync()
        {
            var directory = Directory.CreateTempSubdirectory("converge-wsconn-");
            var services = new ServiceCollection().AddLogging().AddConverge(o => o.DatabasePath = Path.Combine(directory.FullName, "c.db")).BuildServiceProvider();
            await services.GetRequiredService<IChangeStore>().InitializeAsync(CancellationToken.None);
            return new Host(services, directory);
        }

        public Task Run(WebSocket socket)
        {
            var options = _services.GetRequiredService<IOptions<ConvergeServerOptions>>().Value;
            var session = new ServerSession(Guid.NewGuid().ToString("N"), new ClaimsPrincipal(new ClaimsIdentity()), _services.GetRequiredService<AuthorityRegistry>(),
                _services.GetRequiredService<IDocumentAuthorizer>(), _services.GetRequiredService<Observability.ConvergeServerMetrics>(),
                _services.GetRequiredService<Converge.Server.Presence.PresenceRegistry>(), options, NullLogger.Instance);
            return new WebSocketConnection(socket, session, JsonFrameCodec.Instance, options, TimeProvider.System, _services.GetRequiredService<SessionTracker>(), NullLogger.Instance)
                .RunAsync(CancellationToken.None, CancellationToken.None);
        }

        public async ValueTask DisposeAsync()
        {
            await _services.DisposeAsync();
            _directory.Delete(recursive: true);
        }
    }

    /// <summary>
    /// A WebSocket fed by the test: reads return at most <c>readChunk</c> bytes, and a zero-byte read waits for a message
    /// and consumes nothing of it, as <c>ManagedWebSocket</c> does. Records the buffer size of every read that had to wait.
    /// </summary>
    private sealed class ScriptedWebSocket(int readChunk) : WebSocket
    {
        private readonly Channel<(byte[]? Bytes, WebSocketMessageType Type)> _incoming = Channel.CreateUnbounded<(byte[]?, WebSocketMessageType)>();
        private readonly Channel<byte[]> _sent = Channel.CreateUnbounded<byte[]>();
        private readonly SemaphoreSlim _blocked = new(0);
        private volatile bool _waiting;
        private (byte[] Bytes, int Offset, WebSocketMessageType Type)? _current;
        private WebSocketState _state = WebSocketState.Open;

        public List<int> BlockedReadLengths { get; } = [];

        public override WebSocketCloseStatus? CloseStatus => null;

        public override string? CloseStatusDescription => null;

        public override WebSocketState State => _state;

        public override string? SubProtocol => null;

        public void Deliver(byte[] message) => _incoming.Writer.TryWrite((message, WebSocketMessageType.Text));

        public void DeliverClose() => _incoming.Writer.TryWrite((null, WebSocketMessageType.Close));

        public async Task<Frame> NextSentAsync() =>
            JsonFrameCodec.Instance.Decode(await _sent.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));

        /// <summary>Until the connection waits for a message with nothing left to read.</summary>
        public async Task WaitUntilBlockedAsync()
        {
            while (!(_waiting && _current is null && _incoming.Reader.Count == 0))
            {
                Assert.True(await _blocked.WaitAsync(TimeSpan.FromSeconds(10)), "the connection never waited for a message");
            }
        }

        public override async ValueTask<ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            if (_current is null)
            {
                if (!_incoming.Reader.TryRead(out var next))
                {
                    lock (BlockedReadLengths)
                    {
                        BlockedReadLengths.Add(buffer.Length);
                    }

                    _waiting = true;
                    _blocked.Release();
                    next = await _incoming.Reader.ReadAsync(cancellationToken);
                    _waiting = false;
                }

                if (next.Bytes is null)
                {
                    _state = WebSocketState.CloseReceived;
                    return new ValueWebSocketReceiveResult(0, WebSocketMessageType.Close, true);
                }

                _current = (next.Bytes, 0, next.Type);
            }

            var (bytes, offset, type) = _current.Value;
            var count = Math.Min(Math.Min(readChunk, buffer.Length), bytes.Length - offset);
            bytes.AsSpan(offset, count).CopyTo(buffer.Span);
            var end = offset + count == bytes.Length;
            _current = end ? null : (bytes, offset + count, type);
            return new ValueWebSocketReceiveResult(count, type, end);
        }

        public override Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
        {
            _sent.Writer.TryWrite(buffer.ToArray());
            return ValueTask.CompletedTask;
        }

        public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
            SendAsync(buffer.AsMemory(), messageType, endOfMessage, cancellationToken).AsTask();

        public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
        {
            _state = _state == WebSocketState.CloseReceived ? WebSocketState.Closed : WebSocketState.CloseSent;
            return Task.CompletedTask;
        }

        public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
            CloseOutputAsync(closeStatus, statusDescription, cancellationToken);

        public override void Abort() => _state = WebSocketState.Aborted;

        public override void Dispose()
        {
        }
    }
}
