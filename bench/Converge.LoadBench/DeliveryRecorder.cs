using System.Diagnostics;

namespace Converge.LoadBench;

/// <summary>
/// Counts deliveries and records each one's latency (the sender's <see cref="Stopwatch"/> timestamp, carried in the
/// message, to the moment a receiver decoded it; sender and receivers share this process's clock) in a log-bucket
/// histogram: 1 % resolution, constant memory however many millions of deliveries a run makes, lock-free.
/// A delivery after the measurement window's end is counted as late and left out of every figure.
/// </summary>
internal sealed class DeliveryRecorder(long expected)
{
    // Bucket i > 0 holds latencies in [Growth^(i-1), Growth^i) microseconds; bucket 0 holds those under 1 µs.
    private const double Growth = 1.01;
    private const int Buckets = 2400; // 1.01^2400 µs ≈ 7 hours
    private static readonly double LogGrowth = Math.Log(Growth);

    private readonly long[] _buckets = new long[Buckets];
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _windowEnd = long.MaxValue;
    private long _delivered;
    private long _late;
    private long _lastDelivery;

    public Task Done => _done.Task;

    public long Expected => expected;

    public long Delivered => Interlocked.Read(ref _delivered);

    public long Late => Interlocked.Read(ref _late);

    /// <summary>The timestamp of the last counted delivery (0 before the first).</summary>
    public long LastDelivery => Interlocked.Read(ref _lastDelivery);

    /// <summary>Deliveries after <paramref name="timestamp"/> are late and not counted.</summary>
    public void CloseWindowAt(long timestamp) => Interlocked.Exchange(ref _windowEnd, timestamp);

    public void Record(long sentAt)
    {
        var now = Stopwatch.GetTimestamp();
        if (now > Interlocked.Read(ref _windowEnd))
        {
            Interlocked.Increment(ref _late);
            return;
        }

        var micros = (now - sentAt) * 1_000_000.0 / Stopwatch.Frequency;
        var index = micros < 1 ? 0 : Math.Min(Buckets - 1, 1 + (int)(Math.Log(micros) / LogGrowth));
        Interlocked.Increment(ref _buckets[index]);
        long last;
        while ((last = Interlocked.Read(ref _lastDelivery)) < now && Interlocked.CompareExchange(ref _lastDelivery, now, last) != last)
        {
        }

        if (Interlocked.Increment(ref _delivered) == expected)
        {
            _done.TrySetResult();
        }
    }

    /// <summary>The latency in milliseconds below which <paramref name="fraction"/> of the counted deliveries fall (bucket midpoint).</summary>
    public double Percentile(double fraction)
    {
        var total = _buckets.Sum();
        if (total == 0)
        {
            return double.NaN;
        }

        var rank = (long)Math.Ceiling(fraction * total);
        long seen = 0;
        for (var i = 0; i < Buckets; i++)
        {
            seen += _buckets[i];
            if (seen >= rank)
            {
                return i == 0 ? 0.0005 : Math.Pow(Growth, i - 0.5) / 1000.0;
            }
        }

        return double.NaN;
    }
}
