namespace Converge.Model.Clocks;

/// <summary>
/// A hybrid logical clock (Kulkarni et al., 2014): timestamps that stay close to wall-clock time yet respect
/// causality, so last-writer-wins picks the write a person would call "later" without trusting clocks to be in
/// sync (the article's "Clock skew problem").
/// </summary>
/// <remarks>
/// <see cref="Now"/> is strictly increasing even when the wall clock jumps backwards: the physical part never
/// goes back, and the counter orders events within one millisecond. <see cref="Receive"/> moves the clock past a
/// remote timestamp, unless that timestamp is more than <see cref="HybridLogicalClockOptions.MaxForwardDrift"/>
/// ahead of the local wall clock. If the counter would overflow, the clock borrows the next millisecond instead
/// (it runs at most that far ahead of the highest time it has seen), so it never throws on a local event before
/// the last representable millisecond (year 9999).
/// Safe to call from several threads.
/// </remarks>
public sealed class HybridLogicalClock
{
    private readonly TimeProvider _timeProvider;
    private readonly long _maxForwardDriftMilliseconds;
    private readonly TimeSpan _maxForwardDrift;
    private readonly Lock _lock = new();
    private long _physical;
    private int _counter;

    /// <summary>Creates a clock that has produced nothing yet.</summary>
    /// <param name="nodeId">This node's id: unique among all nodes that share data, non-empty.</param>
    /// <param name="timeProvider">The wall clock.</param>
    /// <param name="options">Settings; the defaults when null.</param>
    public HybridLogicalClock(string nodeId, TimeProvider timeProvider, HybridLogicalClockOptions? options = null)
    {
        HlcTimestamp.ValidateNodeId(nodeId);
        ArgumentNullException.ThrowIfNull(timeProvider);
        NodeId = nodeId;
        _timeProvider = timeProvider;
        _maxForwardDrift = (options ?? new HybridLogicalClockOptions()).MaxForwardDrift;
        _maxForwardDriftMilliseconds = (long)Math.Min(_maxForwardDrift.TotalMilliseconds, HlcTimestamp.MaxPhysicalMilliseconds);
    }

    /// <summary>This node's id, the tiebreak of its timestamps.</summary>
    public string NodeId { get; }

    /// <summary>The latest timestamp produced (<see cref="HlcTimestamp.Zero"/>'s time with this node's id before any).</summary>
    public HlcTimestamp Last
    {
        get
        {
            lock (_lock)
            {
                return Current();
            }
        }
    }

    /// <summary>A timestamp for a local event, greater than every timestamp this clock produced or received.</summary>
    public HlcTimestamp Now()
    {
        var wall = WallMilliseconds();
        lock (_lock)
        {
            if (wall > _physical)
            {
                _physical = wall;
                _counter = 0;
            }
            else
            {
                Tick(_counter);
            }

            return Current();
        }
    }

    /// <summary>
    /// Records the receipt of <paramref name="remote"/> and returns a timestamp for the receive event, greater than
    /// both <paramref name="remote"/> and every timestamp this clock produced before.
    /// </summary>
    /// <param name="remote">A timestamp from another node.</param>
    /// <exception cref="ClockDriftException">
    /// <paramref name="remote"/> is more than <see cref="HybridLogicalClockOptions.MaxForwardDrift"/> ahead of the
    /// wall clock; the clock is unchanged.
    /// </exception>
    public HlcTimestamp Receive(HlcTimestamp remote)
    {
        var wall = WallMilliseconds();
        if (remote.PhysicalMilliseconds - wall > _maxForwardDriftMilliseconds)
        {
            throw new ClockDriftException(remote, wall, _maxForwardDrift);
        }

        lock (_lock)
        {
            var physical = Math.Max(wall, Math.Max(_physical, remote.PhysicalMilliseconds));
            if (physical == _physical && physical == remote.PhysicalMilliseconds)
            {
                Tick(Math.Max(_counter, remote.Counter));
            }
            else if (physical == _physical)
            {
                Tick(_counter);
            }
            else if (physical == remote.PhysicalMilliseconds)
            {
                _physical = physical;
                Tick(remote.Counter);
            }
            else
            {
                _physical = physical;
                _counter = 0;
            }

            return Current();
        }
    }

    // Must hold _lock. Sets the counter to one past `from`, borrowing the next millisecond on overflow so that
    // the clock stays strictly monotonic instead of wrapping or throwing.
    private void Tick(int from)
    {
        if (from == int.MaxValue)
        {
            if (_physical == HlcTimestamp.MaxPhysicalMilliseconds)
            {
                throw new InvalidOperationException("The clock has reached the last representable timestamp.");
            }

            _physical++;
            _counter = 0;
        }
        else
        {
            _counter = from + 1;
        }
    }

    private HlcTimestamp Current() => new(_physical, _counter, NodeId, trusted: true);

    private long WallMilliseconds() =>
        Math.Clamp(_timeProvider.GetUtcNow().ToUnixTimeMilliseconds(), 0, HlcTimestamp.MaxPhysicalMilliseconds);
}
