using Converge.Model.Clocks;
using CsCheck;

namespace Converge.Model.Tests.Clocks;

/// <summary>Generators of clock values, small-ranged so that collisions and ties are common.</summary>
internal static class ClockGen
{
    public static readonly string[] Nodes = ["a", "b", "c", "node-d", "é"];

    public static readonly Gen<string> Node = Gen.OneOf(Nodes);

    public static readonly Gen<HlcTimestamp> Timestamp =
        Gen.Select(Gen.Long[0, 30], Gen.Int[0, 3], Node).Select(static (p, c, n) => new HlcTimestamp(p, c, n));

    /// <summary>Any timestamp, including extremes of every field.</summary>
    public static readonly Gen<HlcTimestamp> AnyTimestamp =
        Gen.Select(Gen.Long[0, HlcTimestamp.MaxPhysicalMilliseconds], Gen.Int[0, int.MaxValue], Gen.String[1, 40])
            .Select(static (p, c, n) => new HlcTimestamp(p, c, n));

    public static readonly Gen<VersionVector> Vector =
        Gen.Select(Node, Gen.Long[0, 6]).Array[0, 8].Select(static pairs =>
            pairs.Aggregate(VersionVector.Empty, static (v, p) => v.With(p.Item1, p.Item2)));
}
