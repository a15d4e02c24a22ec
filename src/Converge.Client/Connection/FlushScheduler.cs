using Converge.Client.Documents;

namespace Converge.Client.Connection;

/// <summary>
/// Batches local changes: the first change after a flush starts the window, and every change made within it goes out
/// with it, as few frames as the size limit allows (the article's batching: fewer frames, fewer radio wake-ups).
/// A zero window sends at once. The window can change at run time (metered networks).
/// </summary>
internal sealed class FlushScheduler : IDisposable
{
    private readonly Lock _gate = new();
    private readonly HashSet<ConvergeDocument> _due = [];
    private readonly TimeProvider _time;
    private readonly Action<IReadOnlyCollection<ConvergeDocument>> _flush;
    private ITimer? _timer;

    public FlushScheduler(TimeProvider time, TimeSpan window, Action<IReadOnlyCollection<ConvergeDocument>> flush)
    {
        _time = time;
        Window = window;
        _flush = flush;
    }

    public TimeSpan Window { get; set; }

    public void Schedule(ConvergeDocument document)
    {
        lock (_gate)
        {
            _due.Add(document);
            if (Window > TimeSpan.Zero)
            {
                _timer ??= _time.CreateTimer(static state => ((FlushScheduler)state!).FlushNow(), this, Window, Timeout.InfiniteTimeSpan);
                return;
            }
        }

        FlushNow();
    }

    /// <summary>Sends what is due now, e.g. when the app goes to the background or the window shrinks.</summary>
    public void FlushNow()
    {
        ConvergeDocument[] due;
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
            due = [.. _due];
            _due.Clear();
        }

        if (due.Length > 0)
        {
            _flush(due);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
            _due.Clear();
        }
    }
}
