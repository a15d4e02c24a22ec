namespace Converge.Model.Clocks;

/// <summary>
/// A hybrid logical clock (Kulkarni et al., 2014): readings follow the wall clock when it moves forward, stay strictly
/// increasing when it stands still or jumps back, and move past every reading received from other nodes, so that
/// "last writer wins" follows causality even with skewed clocks. Time comes only from the injected
/// <see cref="TimeProvider"/>. Thread-safe.
/// </summary>
public sealed class HybridLogicalClock
{
    internal const int MaxNodeIdBytes = 256;

    private readonly TimeProvider _time;
    private readonly TimeSpan _maxForwardDrift;
    private readonly Lock _gate = new();
    private HlcTimestamp _last;

    /// <summary>Creates a clock for one node.</summary>
    /// <param name="nodeId">This node's id: unique among the replicas that exchange readings.</param>
    /// <param name="time">The wall clock.</param>
    /// <param name="maxForwardDrift">How far ahead of the local wall clock a received reading may be. Default 1 minute.</param>
    /// <exception cref="ArgumentException">The node id is empty or too long, or the drift is not positive.</exception>
    public HybridLogicalClock(string nodeId, TimeProvider time, TimeSpan? maxForwardDrift = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        ArgumentNullException.ThrowIfNull(time);
        if (System.Text.Encoding.UTF8.GetByteCount(nodeId) > MaxNodeIdBytes)
        {
            throw new ArgumentException($"A node id is at most {MaxNodeIdBytes} bytes of UTF-8.", nameof(nodeId));
        }

        _maxForwardDrift = maxForwardDrift ?? TimeSpan.FromMinutes(1);
        if (_maxForwardDrift <= TimeSpan.Zero)
        {
            throw new ArgumentException("The maximum forward drift must be positive.", nameof(maxForwardDrift));
        }

        NodeId = nodeId;
        _time = time;
        _last = new HlcTimestamp(0, 0, nodeId);
    }

    /// <summary>This node's id.</summary>
    public string NodeId { get; }

    /// <summary>A reading for a local event: later than every reading this clock has produced or received.</summary>
    public HlcTimestamp Now()
    {
        var physical = _time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_gate)
        {
            _last = physical > _last.WallMilliseconds ? new HlcTimestamp(physical, 0, NodeId) : Tick(_last.WallMilliseconds, _last.Counter);
            return _last;
        }
    }

    /// <summary>Takes in a reading from another node (on receiving its change) and returns a local reading after it.</summary>
    /// <param name="remote">The other node's reading.</param>
    /// <exception cref="ClockDriftException">The reading is more than the maximum drift ahead of the local wall clock.</exception>
    public HlcTimestamp Receive(HlcTimestamp remote)
    {
        var now = _time.GetUtcNow();
        var physical = now.ToUnixTimeMilliseconds();
        var drift = TimeSpan.FromMilliseconds(remote.WallMilliseconds - physical);
        if (drift > _maxForwardDrift)
        {
            throw new ClockDriftException(remote, drift, _maxForwardDrift);
        }

        lock (_gate)
        {
            var wall = Math.Max(physical, Math.Max(_last.WallMilliseconds, remote.WallMilliseconds));
            _last = (wall == _last.WallMilliseconds, wall == remote.WallMilliseconds) switch
            {
                (true, true) => Tick(wall, Math.Max(_last.Counter, remote.Counter)),
                (true, false) => Tick(wall, _last.Counter),
                (false, true) => Tick(wall, remote.Counter),
                _ => new HlcTimestamp(wall, 0, NodeId),
            };
            return _last;
        }
    }

    // A counter at its limit carries into the millisecond: readings stay increasing, only slightly ahead of time.
    private HlcTimestamp Tick(long wall, int counter) =>
        counter == int.MaxValue ? new HlcTimestamp(wall + 1, 0, NodeId) : new HlcTimestamp(wall, counter + 1, NodeId);
}
