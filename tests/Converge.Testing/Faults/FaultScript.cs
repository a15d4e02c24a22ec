namespace Converge.Testing.Faults;

/// <summary>
/// A timed sequence of fault switches on one <see cref="FaultProxy"/>, built fluently and played in the background:
/// <code>
/// var script = proxy.Script()
///     .After(TimeSpan.FromSeconds(1), p => p.Blackhole())
///     .After(TimeSpan.FromSeconds(2), p => p.EndBlackhole())
///     .Run(cancellationToken);
/// </code>
/// Each step's delay counts from the previous step's due time (not from when it ran), so the schedule does not
/// drift and a <c>FakeTimeProvider</c> advanced past several steps runs them all, in order.
/// </summary>
public sealed class FaultScript
{
    private readonly FaultProxy _proxy;
    private readonly TimeProvider _time;
    private readonly List<(TimeSpan Delay, Action<FaultProxy> Step)> _steps = [];

    internal FaultScript(FaultProxy proxy, TimeProvider time)
    {
        _proxy = proxy;
        _time = time;
    }

    /// <summary>The time from start to the last step.</summary>
    public TimeSpan Duration => _steps.Aggregate(TimeSpan.Zero, (total, s) => total + s.Delay);

    /// <summary>Adds a step that runs <paramref name="delay"/> after the previous one (after the start for the first).</summary>
    public FaultScript After(TimeSpan delay, Action<FaultProxy> step)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(step);
        _steps.Add((delay, step));
        return this;
    }

    /// <summary>Adds a step that runs right after the previous one.</summary>
    public FaultScript Then(Action<FaultProxy> step) => After(TimeSpan.Zero, step);

    /// <summary>Appends this script's steps <paramref name="times"/> − 1 more times (e.g. a flapping link).</summary>
    public FaultScript Repeat(int times)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(times, 1);
        var once = _steps.ToArray();
        for (var i = 1; i < times; i++)
        {
            _steps.AddRange(once);
        }

        return this;
    }

    /// <summary>
    /// Starts playing the steps and returns at the first wait (steps due at once run before it returns). The task
    /// completes after the last step; it is cancelled by <paramref name="cancellationToken"/>, faults if a step
    /// throws, and ends quietly (skipping the rest) when the proxy is disposed, which also waits for it.
    /// </summary>
    public Task Run(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_proxy.IsDisposed, _proxy);
        return _proxy.Track(PlayAsync([.. _steps], _proxy.Lifetime, cancellationToken));
    }

    private async Task PlayAsync((TimeSpan Delay, Action<FaultProxy> Step)[] steps, CancellationToken proxyLifetime, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, proxyLifetime);
        var start = _time.GetTimestamp();
        var due = TimeSpan.Zero;
        try
        {
            foreach (var (delay, step) in steps)
            {
                due += delay;
                var wait = due - _time.GetElapsedTime(start);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, stop.Token).ConfigureAwait(false);
                }

                stop.Token.ThrowIfCancellationRequested();
                step(_proxy);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The proxy was disposed: the remaining steps have nothing to act on.
        }
    }
}
