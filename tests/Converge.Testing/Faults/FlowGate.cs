namespace Converge.Testing.Faults;

/// <summary>
/// An open/closed gate every pump passes before each read and each write: closing it is the blackhole.
/// Waiting is free when the gate is open (a completed task); closing swaps in a fresh incomplete one.
/// </summary>
internal sealed class FlowGate
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _open = NewOpen();

    public FlowGate() => _open.SetResult();

    public bool IsOpen => _open.Task.IsCompleted;

    /// <summary>Completes when the gate is open (at once if it is open now).</summary>
    public Task WaitOpenAsync(CancellationToken cancellationToken)
    {
        var open = Volatile.Read(ref _open).Task;
        return open.IsCompleted ? Task.CompletedTask : open.WaitAsync(cancellationToken);
    }

    public void Close()
    {
        lock (_lock)
        {
            if (_open.Task.IsCompleted)
            {
                Volatile.Write(ref _open, NewOpen());
            }
        }
    }

    public void Open()
    {
        lock (_lock)
        {
            _open.TrySetResult();
        }
    }

    private static TaskCompletionSource NewOpen() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
