using System.Threading.Channels;
using Converge.Client.Heartbeats;
using Converge.Client.Reconnection;
using Converge.Client.Transports;
using Converge.Protocol;
using Converge.Protocol.Frames;

namespace Converge.Client.Connection;

/// <summary>
/// One connection's worth of client state: the transport, its outbound queue and loops, the handshake and the
/// heartbeat. A new one is made per connect, so nothing from a dead connection can leak into the next.
/// <see cref="Completion"/> says, classified, why it ended.
/// </summary>
internal sealed class ClientConnection : IDisposable
{
    private readonly TaskCompletionSource<ConnectionFailure> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TransportClose? _closeRequest;
    private ConnectionFailure? _localFailure;
    private HeartbeatMonitor? _heartbeat;

    public ClientConnection(ITransport transport, TransportKind kind, TimeProvider time)
    {
        Transport = transport;
        Kind = kind;
        Lifetime = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
    }

    public ITransport Transport { get; }

    public TransportKind Kind { get; }

    /// <summary>Frames to send, in order. Unbounded because it only holds this connection's share of the
    /// outbox (pending changes are kept by their documents regardless), and senders must never block the UI.</summary>
    /// <remarks>Not marked single-reader although it has one: only the multi-reader channel can count what waits,
    /// which presence uses to hold cursor updates back while the transport is behind.</remarks>
    public Channel<Frame> Outbound { get; } = Channel.CreateUnbounded<Frame>();

    public TaskCompletionSource<WelcomeFrame> Welcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Flow control of this connection's pushes (unanswered changes at once).</summary>
    public PushWindow Pushes { get; } = new();

    public CancellationTokenSource Lifetime { get; }

    public Task SendLoop { get; set; } = Task.CompletedTask;

    public Task ReceiveLoop { get; set; } = Task.CompletedTask;

    /// <summary>Completes once the connection has ended, with why.</summary>
    public Task<ConnectionFailure> Completion => _completion.Task;

    /// <summary>The last session-level error frame from the server, which explains the close that follows it.</summary>
    public ErrorFrame? LastError { get; set; }

    public TransportClose? CloseRequest => Volatile.Read(ref _closeRequest);

    /// <summary>Pings at the client's interval or the server's (from welcome), whichever is shorter: the server drops silent clients.</summary>
    public void StartHeartbeat(HeartbeatOptions options, TimeSpan serverInterval, TimeProvider time) =>
        _heartbeat = new HeartbeatMonitor(
            serverInterval > TimeSpan.Zero && serverInterval < options.Interval
                ? new HeartbeatOptions { Interval = serverInterval, PongTimeout = options.PongTimeout, MissedPongThreshold = options.MissedPongThreshold }
                : options,
            time,
            payload => Outbound.Writer.TryWrite(new PingFrame(payload)),
            () => Fail(new ConnectionFailure(FailureKind.Timeout, "The server stopped answering heartbeats."), TimeSpan.Zero));

    public void OnInbound() => _heartbeat?.OnInbound();

    /// <summary>Asks the send loop to drain, then close with <paramref name="code"/>; gives up waiting after <paramref name="timeout"/>.</summary>
    public void RequestClose(ConvergeCloseCode code, string reason, TimeSpan timeout)
    {
        if (Interlocked.CompareExchange(ref _closeRequest, new TransportClose(code, reason), null) is null)
        {
            Outbound.Writer.TryComplete();
            try
            {
                Lifetime.CancelAfter(timeout);
            }
            catch (ObjectDisposedException)
            {
                // Torn down already (a heartbeat timer that fired as the connection was disposed): nothing is left to
                // close, and an exception here would be thrown on a timer thread and end the process.
            }
        }
    }

    /// <summary>Ends the connection for a reason found on this side (heartbeat, protocol violation by the server).</summary>
    public void Fail(ConnectionFailure failure, TimeSpan closeTimeout)
    {
        Interlocked.CompareExchange(ref _localFailure, failure, null);
        RequestClose(failure.CloseCode ?? ConvergeCloseCode.Normal, failure.Message, closeTimeout);
    }

    /// <summary>Records how it ended; the first classification wins.</summary>
    public void Complete()
    {
        var close = Transport.Close;
        var failure = Volatile.Read(ref _localFailure)
            ?? close?.Failure
            ?? FailureClassifier.FromClose(close?.Code, LastError is { } error ? $"{error.Code}: {error.Message}" : close?.Reason ?? "Connection ended.", LastError?.RetryAfterMs);
        _completion.TrySetResult(failure);
        Welcome.TrySetException(new ConvergeConnectionException(failure));
    }

    public void Dispose()
    {
        _heartbeat?.Dispose();
        Lifetime.Dispose();
    }
}
