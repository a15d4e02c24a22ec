using Converge.Client.Presence;
using Microsoft.Extensions.Time.Testing;

namespace Converge.Client.Tests.Presence;

/// <summary>The cursor throttle on fake time: the rate is never exceeded, the latest value always goes last.</summary>
public sealed class CursorThrottleTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));

    private static readonly TimeSpan ThirtyHertz = new PresenceOptions().CursorInterval;

    [Fact]
    public void A_flood_of_1000_updates_a_second__sends_at_most_30_in_any_second_and_the_latest_last()
    {
        var latest = 0;
        var sent = new List<(DateTimeOffset At, int Value)>();
        using var throttle = new CursorThrottle(_time, ThirtyHertz, () =>
        {
            sent.Add((_time.GetUtcNow(), latest));
            return true;
        });

        for (var i = 1; i <= 3000; i++)
        {
            latest = i;
            throttle.Request();
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(3000, sent[^1].Value);
        Assert.Equal(1, sent[0].Value);
        Assert.Equal(sent.Select(s => s.Value).Order(), sent.Select(s => s.Value));
        foreach (var (at, _) in sent)
        {
            Assert.InRange(sent.Count(s => s.At >= at && s.At < at + TimeSpan.FromSeconds(1)), 1, 30);
        }

        // 3 s of flood: one every interval, plus the trailing latest.
        Assert.InRange(sent.Count, 89, 91);
    }

    [Fact]
    public void An_update_after_a_quiet_interval__goes_at_once_and_one_within_it_waits_for_its_end()
    {
        var sends = 0;
        using var throttle = new CursorThrottle(_time, ThirtyHertz, () =>
        {
            sends++;
            return true;
        });

        throttle.Request();
        Assert.Equal(1, sends);
        _time.Advance(TimeSpan.FromMilliseconds(10));
        throttle.Request();
        throttle.Request();
        Assert.Equal(1, sends);
        _time.Advance(ThirtyHertz - TimeSpan.FromMilliseconds(10));
        Assert.Equal(2, sends);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(2, sends);
        throttle.Request();
        Assert.Equal(3, sends);
    }

    [Fact]
    public void A_busy_link__defers_the_update_coalesced_until_it_is_free()
    {
        var busy = true;
        var sends = 0;
        using var throttle = new CursorThrottle(_time, ThirtyHertz, () =>
        {
            if (busy)
            {
                return false;
            }

            sends++;
            return true;
        });

        for (var i = 0; i < 100; i++)
        {
            throttle.Request();
            _time.Advance(TimeSpan.FromMilliseconds(5));
        }

        Assert.Equal(0, sends);
        busy = false;
        _time.Advance(ThirtyHertz);
        Assert.Equal(1, sends);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, sends);
    }

    [Fact]
    public void The_interval__rounds_up_so_that_the_rate_is_never_exceeded()
    {
        Assert.True(ThirtyHertz.Ticks * 30 >= TimeSpan.TicksPerSecond);
        Assert.True(new PresenceOptions { CursorUpdatesPerSecond = 60 }.CursorInterval.Ticks * 60 >= TimeSpan.TicksPerSecond);
    }
}
