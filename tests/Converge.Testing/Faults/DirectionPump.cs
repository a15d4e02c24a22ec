using System.Buffers;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Converge.Testing.Faults;

/// <summary>
/// Moves the bytes of one direction of one connection: a reader takes them off the source socket, stamps each
/// chunk with the time it is due (now + latency + jitter, never earlier than the chunk before, so order holds),
/// and queues it; a writer waits for the due time, the open flow gate and the bandwidth budget, then writes to the
/// destination. The queue is bounded (<see cref="FaultProxyOptions.MaxInFlightBytes"/>): when latency or a cap
/// holds too much, the reader stops and TCP flow control pushes back on the sender. Each direction has its own
/// pump, so a delay one way never blocks the other.
/// </summary>
internal sealed class DirectionPump
{
    private readonly ProxyConnection _connection;
    private readonly Socket _source;
    private readonly Socket _destination;
    private readonly ProxyDirections _direction;
    private readonly FaultSettings _settings;
    private readonly FaultProxyOptions _options;
    private readonly TimeProvider _time;
    private readonly Random _jitter;
    private readonly HttpRequestInspector? _inspector;
    private readonly Channel<PumpItem> _queue;
    private readonly List<PumpItem> _held = [];
    private long _heldBytes;
    private long _lastDue;
    private long _nextSendTimestamp;
    private DropTrip? _seenTrip;
    private long _bytesSinceTrip;
    private bool _discarding;
    private bool _finished;

    public DirectionPump(ProxyConnection connection, Socket source, Socket destination, ProxyDirections direction, int seed)
    {
        _connection = connection;
        _source = source;
        _destination = destination;
        _direction = direction;
        _settings = connection.Settings;
        _options = connection.Options;
        _time = _options.TimeProvider;
        _jitter = new Random(seed);
        _inspector = direction == ProxyDirections.ClientToServer ? new HttpRequestInspector(_options.MaxRequestHeadBytes) : null;
        _queue = Channel.CreateBounded<PumpItem>(new BoundedChannelOptions(Math.Max(2, _options.MaxInFlightBytes / _options.ReadBufferBytes))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Runs until the direction ended (end of stream forwarded) or the connection was aborted. Never throws.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(ReadAsync(cancellationToken), WriteAsync(cancellationToken));
        ReturnAll();
    }

    /// <summary>Queues an HTTP response to send in place of the server's (only on the server-to-client pump); then this direction ends.</summary>
    public async ValueTask RejectAsync(HttpRejection rejection, CancellationToken cancellationToken)
    {
        try
        {
            await _queue.Writer.WriteAsync(new PumpItem(null, 0, _time.GetTimestamp(), rejection), cancellationToken);
        }
        catch (ChannelClosedException)
        {
            // The server already ended this direction; there is no one to answer.
        }
    }

    private async Task ReadAsync(CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(_options.ReadBufferBytes);
        try
        {
            while (true)
            {
                await _settings.Flow.WaitOpenAsync(cancellationToken);
                var count = await _source.ReceiveAsync(buffer.AsMemory(0, _options.ReadBufferBytes), SocketFlags.None, cancellationToken);
                if (count == 0)
                {
                    await _queue.Writer.WriteAsync(PumpItem.EndOfStream(NextDue()), cancellationToken);
                    return;
                }

                if (_discarding)
                {
                    continue;
                }

                if (_inspector is null || _inspector.IsOpaque)
                {
                    await EnqueueAsync(Pack(buffer.AsSpan(0, count)), cancellationToken);
                }
                else
                {
                    await InspectAsync(buffer.AsMemory(0, count), cancellationToken);
                }
            }
        }
        catch (Exception)
        {
            // A reset or error on the source, or an abort: reset the whole connection, as a network path would.
            _connection.Abort();
        }
        finally
        {
            _queue.Writer.TryComplete();
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task InspectAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var inspector = _inspector!;
        while (!data.IsEmpty)
        {
            var step = inspector.Next(data.Span, out var consumed);
            var taken = data[..consumed];
            data = data[consumed..];
            switch (step)
            {
                case InspectionStep.Forward:
                    await EnqueueAsync(Pack(taken.Span), cancellationToken);
                    break;
                case InspectionStep.NotHttp:
                    await EnqueueAsync(Pack(inspector.HeldBytes), cancellationToken);
                    inspector.Release();
                    break;
                case InspectionStep.HeadComplete:
                    if (_connection.Swallows(inspector.Head!))
                    {
                        // A proxy that hangs: the request goes nowhere, no answer comes, the connection stays open
                        // until the client gives up. Everything it sends after is dropped too.
                        _discarding = true;
                        return;
                    }

                    if (_connection.Admit(inspector.Head!) is { } rejection)
                    {
                        // Nothing of this request reaches the server; the rest of what the client sends is dropped.
                        _discarding = true;
                        await _connection.RejectAsync(rejection, cancellationToken);
                        return;
                    }

                    await EnqueueAsync(Pack(inspector.HeldBytes), cancellationToken);
                    inspector.Release();
                    break;
                default:
                    break;
            }
        }
    }

    private PumpItem Pack(ReadOnlySpan<byte> bytes)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(bytes.Length);
        bytes.CopyTo(buffer);
        return new PumpItem(buffer, bytes.Length, NextDue(), null);
    }

    private async ValueTask EnqueueAsync(PumpItem item, CancellationToken cancellationToken)
    {
        try
        {
            await _queue.Writer.WriteAsync(item, cancellationToken);
        }
        catch
        {
            Return(item);
            throw;
        }
    }

    /// <summary>When bytes read now are due at the destination: now + latency + jitter, and never before the previous chunk.</summary>
    private long NextDue()
    {
        var faults = _settings.For(_direction);
        var delay = faults.Latency;
        if (faults.Jitter > TimeSpan.Zero)
        {
            delay += faults.Jitter * _jitter.NextDouble();
        }

        var due = _time.GetTimestamp() + (long)(delay.TotalSeconds * _time.TimestampFrequency);
        _lastDue = Math.Max(due, _lastDue);
        return _lastDue;
    }

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var item in _queue.Reader.ReadAllAsync(cancellationToken))
            {
                if (_finished)
                {
                    Return(item);
                }
                else if (item.Rejection is { } rejection)
                {
                    await SendPacedAsync(rejection.Encode(), cancellationToken);
                    await ShutdownAsync(cancellationToken);
                }
                else if (item.IsEndOfStream)
                {
                    await FlushHeldAsync(cancellationToken);
                    await WaitUntilAsync(item.DueTimestamp, cancellationToken);
                    await ShutdownAsync(cancellationToken);
                }
                else if (_direction == ProxyDirections.ServerToClient && _connection.HoldsResponses)
                {
                    _held.Add(item);
                    _heldBytes += item.Length;
                    if (_heldBytes >= _options.MaxHeldResponseBytes)
                    {
                        await FlushHeldAsync(cancellationToken);
                    }
                }
                else if (!await SendAsync(item, cancellationToken))
                {
                    _finished = true;
                }
            }
        }
        catch (Exception)
        {
            _connection.Abort();
        }
    }

    /// <summary>Half-closes the destination (FIN) once the gate is open: a blackhole hides closes too.</summary>
    private async Task ShutdownAsync(CancellationToken cancellationToken)
    {
        await _settings.Flow.WaitOpenAsync(cancellationToken);
        _destination.Shutdown(SocketShutdown.Send);
        _finished = true;
    }

    private async Task FlushHeldAsync(CancellationToken cancellationToken)
    {
        while (_held.Count > 0 && !_finished)
        {
            var item = _held[0];
            _held.RemoveAt(0);
            _heldBytes -= item.Length;
            if (!await SendAsync(item, cancellationToken))
            {
                _finished = true;
            }
        }
    }

    /// <summary>Sends one chunk when due; false when an armed drop-after-N-bytes cut the connection instead.</summary>
    private async Task<bool> SendAsync(PumpItem item, CancellationToken cancellationToken)
    {
        try
        {
            await WaitUntilAsync(item.DueTimestamp, cancellationToken);
            var data = item.Buffer.AsMemory(0, item.Length);
            var trip = _settings.For(_direction).Trip;
            if (trip != _seenTrip)
            {
                _seenTrip = trip;
                _bytesSinceTrip = 0;
            }

            if (trip is not null && _bytesSinceTrip + data.Length > trip.ByteLimit && trip.TryFire())
            {
                await SendPacedAsync(data[..(int)Math.Max(0, trip.ByteLimit - _bytesSinceTrip)], cancellationToken);
                if (!trip.EveryConnection)
                {
                    _settings.Disarm(trip);
                }

                _connection.Abort();
                return false;
            }

            _bytesSinceTrip += data.Length;
            await SendPacedAsync(data, cancellationToken);
            return true;
        }
        finally
        {
            Return(item);
        }
    }

    /// <summary>Writes in slices of about 50 ms worth of the bandwidth cap, each after the gate opens and the previous slice's time has passed.</summary>
    private async Task SendPacedAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            await _settings.Flow.WaitOpenAsync(cancellationToken);
            var slice = data.Length;
            if (_settings.For(_direction).BytesPerSecond is { } rate)
            {
                slice = (int)Math.Clamp(rate / 20, 1, data.Length);
                var start = Math.Max(_time.GetTimestamp(), _nextSendTimestamp);
                await WaitUntilAsync(start, cancellationToken);
                _nextSendTimestamp = start + (long)(slice * (double)_time.TimestampFrequency / rate);
                await _settings.Flow.WaitOpenAsync(cancellationToken);
            }

            var sent = 0;
            while (sent < slice)
            {
                sent += await _destination.SendAsync(data.Slice(sent, slice - sent), SocketFlags.None, cancellationToken);
            }

            _connection.CountForwarded(_direction, slice);
            data = data[slice..];
        }
    }

    private async Task WaitUntilAsync(long timestamp, CancellationToken cancellationToken)
    {
        while (true)
        {
            var remaining = timestamp - _time.GetTimestamp();
            if (remaining <= 0)
            {
                return;
            }

            var ticks = (long)Math.Ceiling(remaining * ((double)TimeSpan.TicksPerSecond / _time.TimestampFrequency));
            await Task.Delay(TimeSpan.FromTicks(Math.Max(1, ticks)), _time, cancellationToken);
        }
    }

    private void ReturnAll()
    {
        foreach (var item in _held)
        {
            Return(item);
        }

        _held.Clear();
        while (_queue.Reader.TryRead(out var item))
        {
            Return(item);
        }
    }

    private static void Return(PumpItem item)
    {
        if (item.Buffer is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
