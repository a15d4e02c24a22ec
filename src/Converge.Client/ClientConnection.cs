using System.Threading.Channels;
using Converge.Client.Transports;
using Converge.Protocol;
using Converge.Protocol.Frames;

namespace Converge.Client;

/// <summary>
/// One connection's worth of client state: the transport, its outbound queue and loops, and the handshake. A new
/// one is made per connect, so nothing from a dead connection can leak into the next.
/// </summary>
internal sealed class ClientConnection(ITransport transport, TimeProvider time)
{
    private TransportClose? _closeRequest;

    public ITransport Transport { get; } = transport;

    /// <summary>Frames to send, in order. Unbounded because it only holds this connection's share of the
    /// outbox (pending changes are kept by their documents regardless), and senders must never block the UI.</summary>
    public Channel<Frame> Outbound { get; } = Channel.CreateUnbounded<Frame>(new UnboundedChannelOptions { SingleReader = true });

    public TaskCompletionSource<WelcomeFrame> Welcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CancellationTokenSource Lifetime { get; } = new(Timeout.InfiniteTimeSpan, time);

    public Task SendLoop { get; set; } = Task.CompletedTask;

    public Task ReceiveLoop { get; set; } = Task.CompletedTask;

    /// <summary>The last session-level error frame from the server, which explains the close that follows it.</summary>
    public ErrorFrame? LastError { get; set; }

    public TransportClose? CloseRequest => Volatile.Read(ref _closeRequest);

    /// <summary>Asks the send loop to drain, then close with <paramref name="code"/>; gives up waiting after <paramref name="timeout"/>.</summary>
    public void RequestClose(ConvergeCloseCode code, string reason, TimeSpan timeout)
    {
        if (Interlocked.CompareExchange(ref _closeRequest, new TransportClose(code, reason), null) is null)
        {
            Outbound.Writer.TryComplete();
            Lifetime.CancelAfter(timeout);
        }
    }
}
