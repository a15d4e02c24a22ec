using System.Diagnostics;

namespace Converge.LoadBench;

/// <summary>
/// Spreads sends over time at a total rate (0 = as fast as the sender can), so latency is measured under a steady
/// load rather than as one burst's queueing. Behind schedule it sends at once (a burst catches up).
/// </summary>
internal sealed class SendPacer(int messagesPerSecond)
{
    private readonly long _start = Stopwatch.GetTimestamp();

    public async ValueTask WaitTurnAsync(long index)
    {
        if (messagesPerSecond <= 0)
        {
            return;
        }

        var due = TimeSpan.FromSeconds((double)index / messagesPerSecond);
        var wait = due - Stopwatch.GetElapsedTime(_start);
        if (wait > TimeSpan.FromMilliseconds(1))
        {
            await Task.Delay(wait);
        }
    }
}
