using System.Threading.Channels;
using Converge.Client.Reconnection;
using Converge.Client.Transports;
using Converge.Protocol;
using Converge.Protocol.Frames;

namespace Converge.Client.Tests.Fakes;

/// <summary>An in-memory server stand-in: each connect follows the next scripted outcome.</summary>
internal sealed class ScriptedServer
{
    private readonly Queue<ConnectionFailure?> _outcomes = new();

    public List<ScriptedTransport> Connections { get; } = [];

    public List<AccessTokenRequest> TokenRequests { get; } = [];

    /// <summary>What the welcome announces as <see cref="WelcomeFrame.MaxPendingChanges"/>; null says nothing.</summary>
    public int? MaxPendingChanges { get; set; }

    /// <summary>When false, pings are swallowed (a blackholed server).</summary>
    public bool AnswerPings { get; set; } = true;

    public int Attempts { get; private set; }

    /// <summary>Runs inside each connect attempt, before its outcome: something that happens while the attempt is under way.</summary>
    public Action<int>? DuringAttempt { get; set; }

    public ScriptedServer Fail(ConnectionFailure failure, int times = 1)
    {
        for (var i = 0; i < times; i++)
        {
            _outcomes.Enqueue(failure);
        }

        return this;
    }

    public ScriptedServer Accept()
    {
        _outcomes.Enqueue(null);
        return this;
    }

    public ScriptedTransport Create(TransportKind kind)
    {
        var transport = new ScriptedTransport(this, kind);
        lock (Connections)
        {
            Connections.Add(transport);
        }

        return transport;
    }

    internal ConnectionFailure? NextOutcome()
    {
        Attempts++;
        DuringAttempt?.Invoke(Attempts);
        // An exhausted script accepts: tests script only the failures they care about.
        return _outcomes.Count > 0 ? _outcomes.Dequeue() : null;
    }
}

internal sealed class ScriptedTransport(ScriptedServer server, TransportKind kind) : ITransport
{
    private readonly Channel<Frame> _inbound = Channel.CreateUnbounded<Frame>();

    public string Name => kind.ToString().ToLowerInvariant();

    public TransportClose? Close { get; private set; }

    public List<Frame> Sent { get; } = [];

    /// <summary>A copy of <see cref="Sent"/>, safe while the client is still sending.</summary>
    public Frame[] SentSnapshot()
    {
        lock (Sent)
        {
            return [.. Sent];
        }
    }

    public ValueTask ConnectAsync(Uri serverUri, HelloFrame hello, string? accessToken, CancellationToken cancellationToken)
    {
        if (server.NextOutcome() is { } failure)
        {
            throw new ConvergeConnectionException(failure);
        }

        Sent.Add(hello);
        _inbound.Writer.TryWrite(new WelcomeFrame(ConvergeProtocol.Version, "session", 15000, 1 << 20, server.MaxPendingChanges));
        return ValueTask.CompletedTask;
    }

    /// <summary>When set, every send fails with this (an HTTP uplink refused).</summary>
    public ConnectionFailure? SendFailure { get; set; }

    public ValueTask SendAsync(Frame frame, CancellationToken cancellationToken)
    {
        if (SendFailure is { } failure)
        {
            throw new ConvergeConnectionException(failure);
        }

        lock (Sent)
        {
            Sent.Add(frame);
        }

        switch (frame)
        {
            case PingFrame ping when server.AnswerPings:
                _inbound.Writer.TryWrite(new PongFrame(ping.Payload));
                break;
            case SubscribeFrame subscribe:
                _inbound.Writer.TryWrite(new SnapshotFrame(subscribe.DocumentId, 0, []));
                _inbound.Writer.TryWrite(new SubscribedFrame(subscribe.DocumentId, 0));
                break;
        }

        return ValueTask.CompletedTask;
    }

    public async ValueTask<Frame?> ReceiveAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _inbound.Reader.ReadAsync(cancellationToken);
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    public ValueTask CloseAsync(ConvergeCloseCode code, string reason, CancellationToken cancellationToken)
    {
        Close ??= new TransportClose(code, reason);
        _inbound.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }

    /// <summary>The server sends a frame.</summary>
    public void Deliver(Frame frame) => _inbound.Writer.TryWrite(frame);

    /// <summary>The server closes the session with a close code (and optionally an error frame first).</summary>
    public void ServerClose(ConvergeCloseCode? code, string reason, ErrorFrame? error = null)
    {
        if (error is not null)
        {
            _inbound.Writer.TryWrite(error);
        }

        Close ??= new TransportClose(code, reason);
        _inbound.Writer.TryComplete();
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
