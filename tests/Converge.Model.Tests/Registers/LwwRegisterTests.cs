using Converge.Model.Clocks;
using Converge.Model.Registers;
using CsCheck;

namespace Converge.Model.Tests.Registers;

public sealed class LwwRegisterTests
{
    private static readonly Gen<LwwRegister<int>> Register =
        Gen.Select(Gen.Int, Gen.Long[0, 5], Gen.Int[0, 2], Gen.Char['a', 'c'])
            // One reading identifies one write, so the value is a function of the timestamp (as it is for real writers).
            .Select((_, wall, counter, node) => new LwwRegister<int>(HashCode.Combine(wall, counter, node), new HlcTimestamp(wall, counter, node.ToString())));

    [Fact]
    public void Merge_is_commutative_associative_and_idempotent() =>
        Gen.Select(Register, Register, Register).Sample((a, b, c) =>
            a.Merge(b) == b.Merge(a) && a.Merge(b).Merge(c) == a.Merge(b.Merge(c)) && a.Merge(a) == a, iter: 1000);

    [Fact]
    public void The_later_write_wins_and_an_earlier_one_changes_nothing()
    {
        var register = new LwwRegister<string>("first", new HlcTimestamp(10, 0, "a"));
        Assert.Equal("second", register.Set("second", new HlcTimestamp(10, 0, "b")).Value);
        Assert.Equal("first", register.Set("stale", new HlcTimestamp(9, 5, "z")).Value);
    }
}
