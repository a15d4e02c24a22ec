using Converge.Client.Heartbeats;
using Microsoft.Extensions.Time.Testing;

namespace Converge.Client.Tests.Heartbeats;

public sealed class HeartbeatMonitorTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly List<long> _pings = [];
    private int _deaths;

    private HeartbeatMonitor Start(HeartbeatOptions? options = null) =>
        new(options ?? new HeartbeatOptions(), _time, _pings.Add, () => _deaths++);

    [Fact]
    public void A_ping_goes_out_every_interval_while_answered()
    {
        using var monitor = Start();
        for (var i = 0; i < 4; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(15));
            monitor.OnInbound();
        }

        Assert.Equal(4, _pings.Count);
        Assert.Equal(0, _deaths);
    }

    [Fact]
    public void An_unanswered_connection__is_declared_dead_within_interval_plus_threshold_times_timeout()
    {
        using var monitor = Start();
        _time.Advance(TimeSpan.FromSeconds(15));
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(0, _deaths);
        Assert.Equal(2, _pings.Count); // the miss sends the next ping at once

        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(1, _deaths);
    }

    [Fact]
    public void A_single_missed_pong__is_forgiven_when_traffic_resumes()
    {
        using var monitor = Start();
        _time.Advance(TimeSpan.FromSeconds(25));
        monitor.OnInbound();
        _time.Advance(TimeSpan.FromSeconds(60));
        monitor.OnInbound();
        Assert.Equal(0, _deaths);
    }

    [Fact]
    public void A_threshold_of_one__detects_a_dead_connection_within_interval_plus_timeout()
    {
        using var monitor = Start(new HeartbeatOptions { MissedPongThreshold = 1 });
        _time.Advance(TimeSpan.FromSeconds(15));
        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(0, _deaths);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, _deaths);
    }

    [Fact]
    public void After_disposal__nothing_fires()
    {
        var monitor = Start();
        monitor.Dispose();
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(_pings);
        Assert.Equal(0, _deaths);
    }
}
