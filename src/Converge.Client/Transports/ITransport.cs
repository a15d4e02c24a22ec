using Converge.Protocol.Frames;

namespace Converge.Client.Transports;

/// <summary>
/// One connection to the server that carries frames both ways. Every transport (WebSocket, SSE + POST, long
/// polling) offers the same semantics, so the client above it does not know which one it uses.
/// </summary>
/// <remarks>One sender and one receiver at a time: the client's send loop and receive loop.</remarks>
internal interface ITransport : IAsyncDisposable
{
    /// <summary>The transport's name for logs and status, e.g. <c>websocket</c>.</summary>
    string Name { get; }

    /// <summary>How the connection ended, once it has.</summary>
    TransportClose? Close { get; }

    /// <summary>Opens the connection and delivers <paramref name="hello"/> (in whatever way the transport must).</summary>
    /// <exception cref="ConvergeConnectionException">It could not be opened; the exception's failure is classified.</exception>
    ValueTask ConnectAsync(Uri serverUri, HelloFrame hello, string? accessToken, CancellationToken cancellationToken);

    /// <summary>Sends one frame.</summary>
    ValueTask SendAsync(Frame frame, CancellationToken cancellationToken);

    /// <summary>The next frame, or <see langword="null"/> once the connection is closed (see <see cref="Close"/>).</summary>
    /// <exception cref="Protocol.ProtocolException">The server sent something that is not a valid frame.</exception>
    ValueTask<Frame?> ReceiveAsync(CancellationToken cancellationToken);

    /// <summary>Closes cleanly with a close code, waiting briefly for the server's answer.</summary>
    ValueTask CloseAsync(Protocol.ConvergeCloseCode code, string reason, CancellationToken cancellationToken);
}
