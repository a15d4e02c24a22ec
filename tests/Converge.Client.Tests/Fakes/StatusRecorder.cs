namespace Converge.Client.Tests.Fakes;

/// <summary>Records every status a client goes through and lets a test wait for one (bounded, never sleeping).</summary>
internal sealed class StatusRecorder
{
    private readonly List<ConnectionStatus> _statuses = [];
    private readonly List<(Func<ConnectionStatus, bool> Predicate, TaskCompletionSource<ConnectionStatus> Reached)> _waiters = [];

    public StatusRecorder(ConvergeClient client) => client.StatusChanged += (_, e) => Record(e.Status);

    public IReadOnlyList<ConnectionStatus> Statuses
    {
        get
        {
            lock (_statuses)
            {
                return [.. _statuses];
            }
        }
    }

    /// <summary>How many statuses have been recorded: pass it as <c>from</c> to wait only for later ones.</summary>
    public int Mark
    {
        get
        {
            lock (_statuses)
            {
                return _statuses.Count;
            }
        }
    }

    /// <summary>The first status from index <paramref name="from"/> on that matches, recorded already or later.</summary>
    public Task<ConnectionStatus> WaitAsync(Func<ConnectionStatus, bool> predicate, string what, int from = 0)
    {
        var reached = new TaskCompletionSource<ConnectionStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_statuses)
        {
            if (_statuses.Skip(from).FirstOrDefault(predicate) is { } already)
            {
                return Task.FromResult(already);
            }

            _waiters.Add((predicate, reached));
        }

        return reached.Task.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(t => t.IsCompletedSuccessfully
            ? t.Result
            : throw new Xunit.Sdk.XunitException($"Never reached: {what}. Seen: {string.Join(" → ", Statuses.Select(s => $"{s.State}({s.Attempt},{s.RetryDelay},{s.LastFailure?.Kind})"))}"),
            TaskScheduler.Default);
    }

    private void Record(ConnectionStatus status)
    {
        lock (_statuses)
        {
            _statuses.Add(status);
            foreach (var waiter in _waiters.Where(w => w.Predicate(status)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Reached.TrySetResult(status);
            }
        }
    }
}
