using System.Globalization;
using System.Text;

namespace Converge.Cli.Load;

/// <summary>Latency samples in milliseconds: bucket counts for the histogram and exact percentiles. Thread-safe.</summary>
internal sealed class LatencyHistogram
{
    /// <summary>Upper bounds of the buckets, in milliseconds; the last bucket is everything above.</summary>
    public static readonly double[] Bounds = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000];

    private readonly Lock _gate = new();
    private readonly List<double> _samples = [];

    /// <summary>How many samples there are.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _samples.Count;
            }
        }
    }

    /// <summary>Adds one sample.</summary>
    public void Add(double milliseconds)
    {
        lock (_gate)
        {
            _samples.Add(milliseconds);
        }
    }

    /// <summary>The <paramref name="percentile"/>th percentile (nearest rank), or <see langword="null"/> without samples.</summary>
    public double? Percentile(double percentile)
    {
        lock (_gate)
        {
            if (_samples.Count == 0)
            {
                return null;
            }

            var sorted = _samples.Order().ToArray();
            var rank = (int)Math.Ceiling(percentile / 100 * sorted.Length);
            return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
        }
    }

    /// <summary>Samples per bucket: index i counts samples in (Bounds[i-1], Bounds[i]]; the last index counts those above every bound.</summary>
    public int[] Buckets()
    {
        var counts = new int[Bounds.Length + 1];
        lock (_gate)
        {
            foreach (var sample in _samples)
            {
                var index = Array.FindIndex(Bounds, b => sample <= b);
                counts[index < 0 ? Bounds.Length : index]++;
            }
        }

        return counts;
    }

    /// <summary>The histogram as text lines: one bar per bucket from the first to the last non-empty one, then the percentiles.</summary>
    public string Render(int width = 40)
    {
        var text = new StringBuilder();
        var buckets = Buckets();
        var first = Array.FindIndex(buckets, static c => c > 0);
        var last = Array.FindLastIndex(buckets, static c => c > 0);
        var max = buckets.Max();
        for (var i = Math.Max(first, 0); i <= last; i++)
        {
            var label = i < Bounds.Length
                ? string.Create(CultureInfo.InvariantCulture, $"<= {Bounds[i],5:0} ms")
                : string.Create(CultureInfo.InvariantCulture, $" > {Bounds[^1],5:0} ms");
            var bar = new string('#', max == 0 ? 0 : (int)Math.Ceiling((double)buckets[i] * width / max));
            text.Append(CultureInfo.InvariantCulture, $"  {label} | {bar.PadRight(width)} {buckets[i]}").Append('\n');
        }

        text.Append(CultureInfo.InvariantCulture,
            $"  p50 {Format(Percentile(50))}  p95 {Format(Percentile(95))}  p99 {Format(Percentile(99))}  max {Format(Percentile(100))}");
        return text.ToString();
    }

    /// <summary>A latency for people: "3.2 ms", or "-" without samples.</summary>
    public static string Format(double? milliseconds) =>
        milliseconds is { } ms ? ms.ToString(ms < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture) + " ms" : "-";
}
