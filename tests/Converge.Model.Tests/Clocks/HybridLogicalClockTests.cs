using Converge.Model.Clocks;
using CsCheck;
using Microsoft.Extensions.Time.Testing;

namespace Converge.Model.Tests.Clocks;

public sealed class HybridLogicalClockTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Now__follows_the_wall_clock_when_it_moves_forward()
    {
        var time = new FakeTimeProvider(Start);
        var clock = new HybridLogicalClock("a", time);

        var first = clock.Now();
        time.Advance(TimeSpan.FromMilliseconds(5));
        var second = clock.Now();

        Assert.Equal(new HlcTimestamp(Start.ToUnixTimeMilliseconds(), 0, "a"), first);
        Assert.Equal(new HlcTimestamp(Start.ToUnixTimeMilliseconds() + 5, 0, "a"), second);
    }

    [Fact]
    public void Now_after_the_wall_clock_jumps_back__keeps_physical_time_and_counts()
    {
        var time = new FakeTimeProvider(Start);
        var clock = new HybridLogicalClock("a", time);
        var before = clock.Now();

        time.AdjustTime(Start - TimeSpan.FromHours(1));
        var after = clock.Now();

        Assert.Equal(before.PhysicalMilliseconds, after.PhysicalMilliseconds);
        Assert.Equal(before.Counter + 1, after.Counter);
    }

    [Fact]
    public void Now_and_Receive_under_random_wall_clock_jumps__are_strictly_monotonic()
    {
        var step = Gen.Select(Gen.Long[-120_000, 120_000], Gen.Bool, Gen.Long[-50_000, 50_000], Gen.Int[0, 5]);
        step.Array[1, 60].Sample(steps =>
        {
            var time = new FakeTimeProvider(Start);
            var clock = new HybridLogicalClock("a", time);
            var previous = HlcTimestamp.Zero;
            foreach (var (jump, receive, remoteOffset, remoteCounter) in steps)
            {
                time.AdjustTime(time.GetUtcNow().AddMilliseconds(jump));
                HlcTimestamp next;
                if (receive)
                {
                    var remote = new HlcTimestamp(time.GetUtcNow().ToUnixTimeMilliseconds() + remoteOffset, remoteCounter, "b");
                    next = clock.Receive(remote);
                    Assert.True(next > remote, $"{next} is not after the received {remote}");
                }
                else
                {
                    next = clock.Now();
                }

                Assert.True(next > previous, $"{next} is not after {previous}");
                Assert.True(next.PhysicalMilliseconds >= time.GetUtcNow().ToUnixTimeMilliseconds());
                Assert.Equal(next, clock.Last);
                previous = next;
            }
        }, iter: EncodingProperties.Iterations);
    }

    [Fact]
    public void Receive_within_max_drift__adopts_the_remote_time()
    {
        var time = new FakeTimeProvider(Start);
        var clock = new HybridLogicalClock("a", time);
        var remote = new HlcTimestamp(Start.ToUnixTimeMilliseconds() + 59_000, 7, "b");

        var received = clock.Receive(remote);

        Assert.Equal(new HlcTimestamp(remote.PhysicalMilliseconds, 8, "a"), received);
        Assert.True(clock.Now() > received);
    }

    [Fact]
    public void Receive_beyond_max_drift__throws_ClockDriftException_and_leaves_the_clock_unchanged()
    {
        var time = new FakeTimeProvider(Start);
        var clock = new HybridLogicalClock("a", time, new HybridLogicalClockOptions { MaxForwardDrift = TimeSpan.FromSeconds(10) });
        var last = clock.Now();
        var remote = new HlcTimestamp(Start.ToUnixTimeMilliseconds() + 10_001, 0, "b");

        var error = Assert.Throws<ClockDriftException>(() => clock.Receive(remote));

        Assert.Equal(ClockDriftException.Code, error.ErrorCode);
        Assert.Equal(remote, error.Remote);
        Assert.Equal(Start.ToUnixTimeMilliseconds(), error.LocalWallMilliseconds);
        Assert.IsAssignableFrom<ConvergeException>(error);
        Assert.Equal(last, clock.Last);
        Assert.Equal(last.PhysicalMilliseconds, clock.Now().PhysicalMilliseconds);
    }

    [Fact]
    public void Receive_of_random_remote_times__rejects_exactly_those_beyond_max_drift()
    {
        Gen.Select(Gen.Long[-200_000, 200_000], Gen.Long[1, 100_000]).Sample((offset, driftMs) =>
        {
            var time = new FakeTimeProvider(Start);
            var clock = new HybridLogicalClock("a", time, new HybridLogicalClockOptions { MaxForwardDrift = TimeSpan.FromMilliseconds(driftMs) });
            var remote = new HlcTimestamp(Start.ToUnixTimeMilliseconds() + offset, 0, "b");
            if (offset > driftMs)
            {
                Assert.Throws<ClockDriftException>(() => clock.Receive(remote));
                Assert.Equal(HlcTimestamp.Zero.PhysicalMilliseconds, clock.Last.PhysicalMilliseconds);
            }
            else
            {
                Assert.True(clock.Receive(remote) > remote);
            }
        }, iter: EncodingProperties.Iterations);
    }

    [Fact]
    public void Receive_of_a_maximal_counter__borrows_the_next_millisecond_instead_of_overflowing()
    {
        var time = new FakeTimeProvider(Start);
        var clock = new HybridLogicalClock("a", time);
        var remote = new HlcTimestamp(Start.ToUnixTimeMilliseconds(), int.MaxValue, "b");

        var received = clock.Receive(remote);
        var next = clock.Now();

        Assert.Equal(new HlcTimestamp(Start.ToUnixTimeMilliseconds() + 1, 0, "a"), received);
        Assert.True(received > remote);
        Assert.True(next > received);
    }

    [Fact]
    public void Options__default_to_one_minute_and_reject_non_positive_drift()
    {
        Assert.Equal(TimeSpan.FromMinutes(1), new HybridLogicalClockOptions().MaxForwardDrift);
        Assert.Throws<ArgumentOutOfRangeException>(() => new HybridLogicalClockOptions { MaxForwardDrift = TimeSpan.Zero });
        Assert.Throws<ArgumentOutOfRangeException>(() => new HybridLogicalClockOptions { MaxForwardDrift = TimeSpan.FromSeconds(-1) });
    }

    [Fact]
    public void Clocks_exchanging_messages_with_skewed_wall_clocks__stamp_every_event_uniquely_and_causally()
    {
        // Each node's wall clock is offset by up to ±20 s; every message is stamped at send and receive.
        var step = Gen.Select(Gen.Int[0, 2], Gen.Int[0, 2], Gen.Long[0, 2_000]);
        Gen.Select(Gen.Long[-20_000, 20_000].Array[3], step.Array[1, 40]).Sample((skews, steps) =>
        {
            var times = skews.Select(s => new FakeTimeProvider(Start.AddMilliseconds(s))).ToArray();
            var clocks = times.Select((t, i) => new HybridLogicalClock(ClockGen.Nodes[i], t)).ToArray();
            var all = new HashSet<HlcTimestamp>();
            foreach (var (from, to, elapsed) in steps)
            {
                foreach (var time in times)
                {
                    time.Advance(TimeSpan.FromMilliseconds(elapsed));
                }

                var sent = clocks[from].Now();
                var received = clocks[to].Receive(sent);
                Assert.True(received > sent);
                Assert.True(all.Add(sent) || from == to);
                Assert.True(all.Add(received));
            }
        }, iter: EncodingProperties.Iterations);
    }
}
