using System.Diagnostics;
using Converge.Client.Presence;

namespace Converge.IntegrationTests.Presence;

/// <summary>Records what one presence handle reports — joins, leaves, each user's updates with when they came — and waits on it.</summary>
internal sealed class PresenceWatch
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly Lock _gate = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<string> _joined = [];
    private readonly List<string> _left = [];
    private readonly List<(TimeSpan At, PresenceUser User)> _updates = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PresenceWatch(PresenceHandle handle)
    {
        Handle = handle;
        handle.Changed += OnChanged;
    }

    public PresenceHandle Handle { get; }

    public string[] Joined
    {
        get
        {
            lock (_gate)
            {
                return [.. _joined];
            }
        }
    }

    public string[] Left
    {
        get
        {
            lock (_gate)
            {
                return [.. _left];
            }
        }
    }

    /// <summary>Every update (or join) of one user, in the order they arrived, with the time since the watch started.</summary>
    public (TimeSpan At, PresenceUser User)[] UpdatesOf(string userId)
    {
        lock (_gate)
        {
            return [.. _updates.Where(u => u.User.UserId == userId)];
        }
    }

    public Task Changed
    {
        get
        {
            lock (_gate)
            {
                return _changed.Task;
            }
        }
    }

    /// <summary>Waits, on events, until the handle's state matches; <paramref name="pump"/> moves a fake server clock meanwhile.</summary>
    public Task UntilAsync(Func<PresenceState, bool> condition, string what, Action? pump = null) => UntilAllAsync([this], condition, what, pump);

    public static async Task UntilAllAsync(IReadOnlyList<PresenceWatch> watches, Func<PresenceState, bool> condition, string what, Action? pump = null)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var changed = watches.Select(w => w.Changed).ToArray();
            var waiting = watches.Where(w => !condition(w.Handle.State)).ToArray();
            if (waiting.Length == 0)
            {
                return;
            }

            if (deadline.Elapsed > Timeout)
            {
                throw new Xunit.Sdk.XunitException(
                    $"{waiting.Length} of {watches.Count} presence views never reached: {what} (one shows {waiting[0].Handle.State.UserCount} users, {waiting[0].Handle.State.ConnectionCount} connections).");
            }

            pump?.Invoke();
            // With a pump the server only moves when we advance its clock: look again soon. Without, events wake us.
            await Task.WhenAny(Task.WhenAny(changed), Task.Delay(pump is null ? TimeSpan.FromSeconds(1) : TimeSpan.FromMilliseconds(20)));
        }
    }

    private void OnChanged(object? sender, PresenceChangedEventArgs e)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _joined.AddRange(e.Joined.Select(u => u.UserId));
            _left.AddRange(e.Left.Select(u => u.UserId));
            _updates.AddRange(e.Joined.Concat(e.Updated).Select(u => (_clock.Elapsed, u)));
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }
}
