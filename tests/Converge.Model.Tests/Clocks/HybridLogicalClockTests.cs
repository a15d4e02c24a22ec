using Converge.Model.Clocks;
using Converge.Model.Encoding;
using CsCheck;
using Microsoft.Extensions.Time.Testing;

namespace Converge.Model.Tests.Clocks;

public sealed class HybridLogicalClockTests
{
    [Fact]
    public void Readings_stay_strictly_increasing__whatever_the_wall_clock_does()
    {
        // Each step: move the wall clock by -5 s..+5 s, then read locally or receive from a second node.
        Gen.Select(Gen.Int[-5000, 5000], Gen.Bool).Array[1, 60].Sample(steps =>
        {
            var time = new WallClock(DateTimeOffset.UnixEpoch.AddYears(50));
            var otherTime = new WallClock(DateTimeOffset.UnixEpoch.AddYears(50));
            var clock = new HybridLogicalClock("a", time);
            var other = new HybridLogicalClock("b", otherTime);
            var previous = clock.Now();
            foreach (var (jump, receive) in steps)
            {
                time.Now = time.Now.AddMilliseconds(jump);
                otherTime.Now = otherTime.Now.AddMilliseconds(Math.Abs(jump) % 50);
                var remote = other.Now();
                HlcTimestamp next;
                try
                {
                    next = receive ? clock.Receive(remote) : clock.Now();
                }
                catch (ClockDriftException)
                {
                    // Refused exactly when the remote is more than the allowed minute ahead of this wall clock.
                    if (remote.WallMilliseconds - time.Now.ToUnixTimeMilliseconds() <= 60_000)
                    {
                        return false;
                    }

                    continue;
                }

                if (next <= previous || (receive && next <= remote))
                {
                    return false;
                }

                previous = next;
            }

            return true;
        }, iter: 1000);
    }

    [Fact]
    public void A_reading_follows_the_wall_clock_when_it_moves_forward()
    {
        var time = new WallClock(DateTimeOffset.FromUnixTimeMilliseconds(1_000_000));
        var clock = new HybridLogicalClock("a", time);
        Assert.Equal(new HlcTimestamp(1_000_000, 0, "a"), clock.Now());
        Assert.Equal(new HlcTimestamp(1_000_000, 1, "a"), clock.Now());
        time.Now = DateTimeOffset.FromUnixTimeMilliseconds(999_000); // the wall clock jumps back
        Assert.Equal(new HlcTimestamp(1_000_000, 2, "a"), clock.Now());
        time.Now = DateTimeOffset.FromUnixTimeMilliseconds(1_000_500);
        Assert.Equal(new HlcTimestamp(1_000_500, 0, "a"), clock.Now());
    }

    [Fact]
    public void A_remote_reading_too_far_in_the_future__is_refused_not_adopted()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_000_000));
        var clock = new HybridLogicalClock("a", time, TimeSpan.FromSeconds(30));
        var before = clock.Now();
        var error = Assert.Throws<ClockDriftException>(() => clock.Receive(new HlcTimestamp(1_000_000 + 31_000, 0, "b")));
        Assert.Equal("clock_drift", error.ErrorCode);
        Assert.Equal(TimeSpan.FromSeconds(31), error.Drift);
        Assert.Equal(before.WallMilliseconds, clock.Now().WallMilliseconds);
        Assert.Equal(1_029_000, clock.Receive(new HlcTimestamp(1_029_000, 4, "b")).WallMilliseconds);
    }

    [Fact]
    public void Readings_are_totally_ordered_with_the_node_id_as_the_last_tiebreak()
    {
        Gen.Select(Gen.Long[0, 10], Gen.Int[0, 3], Gen.Char['a', 'c'], Gen.Long[0, 10], Gen.Int[0, 3], Gen.Char['a', 'c']).Sample((w1, c1, n1, w2, c2, n2) =>
        {
            var a = new HlcTimestamp(w1, c1, n1.ToString());
            var b = new HlcTimestamp(w2, c2, n2.ToString());
            return Math.Sign(a.CompareTo(b)) == -Math.Sign(b.CompareTo(a)) && (a.CompareTo(b) == 0) == a.Equals(b);
        }, iter: 1000);
    }

    [Fact]
    public void Readings__round_trip_through_their_encoding_and_hostile_bytes_fail_cleanly()
    {
        Gen.Select(Gen.Long[0, long.MaxValue], Gen.Int[0, int.MaxValue], Gen.String[Gen.Char.AlphaNumeric, 1, 20]).Sample((wall, counter, node) =>
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            var writer = new ModelWriter(buffer);
            var reading = new HlcTimestamp(wall, counter, node);
            reading.Encode(ref writer);
            var reader = new ModelReader(buffer.WrittenSpan);
            return HlcTimestamp.Decode(ref reader) == reading && reader.End;
        }, iter: 1000);

        Gen.Byte.Array[0, 40].Sample(bytes =>
        {
            try
            {
                var reader = new ModelReader(bytes);
                HlcTimestamp.Decode(ref reader);
            }
            catch (ModelEncodingException)
            {
            }
        }, iter: 10_000);
    }

    /// <summary>A wall clock that can be set anywhere, backwards too (FakeTimeProvider only moves forward).</summary>
    private sealed class WallClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
