namespace Converge.LoadBench;

/// <summary>One system's fan-out figures: one sender, every message to every receiver.</summary>
internal sealed record FanoutResult(string System, int Receivers, int Messages, double Seconds, double DeliveredPerSecond, double P50Ms, double P99Ms, double P999Ms)
{
    public static FanoutResult From(string system, int receivers, int messages, TimeSpan elapsed, List<double> latenciesMs)
    {
        latenciesMs.Sort();
        double At(double q) => latenciesMs.Count == 0 ? double.NaN : latenciesMs[Math.Min(latenciesMs.Count - 1, (int)(q * latenciesMs.Count))];
        return new(system, receivers, messages, elapsed.TotalSeconds, (double)receivers * messages / elapsed.TotalSeconds, At(0.50), At(0.99), At(0.999));
    }
}
