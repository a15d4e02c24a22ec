using System.Diagnostics;

namespace Converge.LoadBench;

/// <summary>Collects receive latencies (sender's timestamp → now, same process clock) and counts deliveries until all are in.</summary>
internal sealed class LatencyRecorder(long expected)
{
    private readonly List<double> _latencies = [];
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _delivered;

    public Task Done => _done.Task;

    public List<double> Latencies => _latencies;

    public void Delivered(long sentAt, long count = 1)
    {
        var ms = Stopwatch.GetElapsedTime(sentAt).TotalMilliseconds;
        lock (_latencies)
        {
            _latencies.Add(ms);
        }

        if (Interlocked.Add(ref _delivered, count) >= expected)
        {
            _done.TrySetResult();
        }
    }
}
