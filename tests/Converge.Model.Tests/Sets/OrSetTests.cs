using Converge.Model.Sets;
using CsCheck;

namespace Converge.Model.Tests.Sets;

public sealed class OrSetTests
{
    // Three replicas adding, removing and gossiping at random: tags are only meaningful when a replica issues them,
    // so states for the laws come from such a history rather than from independent generation.
    private static readonly Gen<OrSet[]> Replicas =
        Gen.Select(Gen.Int[0, 2], Gen.Int[0, 2], Gen.Int[0, 2], Gen.Char['w', 'z']).Array[0, 30].Select(ops =>
        {
            var replicas = new[] { OrSet.Empty, OrSet.Empty, OrSet.Empty };
            foreach (var (kind, replica, other, element) in ops)
            {
                replicas[replica] = kind switch
                {
                    0 => replicas[replica].Add($"r{replica}", element.ToString()),
                    1 => replicas[replica].Remove(element.ToString()),
                    _ => replicas[replica].Merge(replicas[other]),
                };
            }

            return replicas;
        });

    [Fact]
    public void Merge_is_commutative_associative_and_idempotent() =>
        Replicas.Sample(r =>
            r[0].Merge(r[1]).Equals(r[1].Merge(r[0]))
            && r[0].Merge(r[1]).Merge(r[2]).Equals(r[0].Merge(r[1].Merge(r[2])))
            && r[0].Merge(r[0]).Equals(r[0]), iter: 1000);

    [Fact]
    public void Replicas_that_have_seen_the_same_adds_and_removes__show_the_same_elements() =>
        Replicas.Sample(r =>
            r[0].Merge(r[1]).Merge(r[2]).Elements.SequenceEqual(r[2].Merge(r[0]).Merge(r[1]).Elements), iter: 1000);

    [Fact]
    public void An_add_concurrent_with_a_remove__wins()
    {
        var a = OrSet.Empty.Add("a", "tag");
        var b = OrSet.Empty.Merge(a).Remove("tag");
        var aAgain = a.Add("a", "tag");

        Assert.False(b.Contains("tag"));
        Assert.True(aAgain.Merge(b).Contains("tag"));
        Assert.True(b.Merge(aAgain).Contains("tag"));
    }

    [Fact]
    public void A_remove__removes_only_what_its_replica_observed()
    {
        var a = OrSet.Empty.Add("a", "x");
        var b = OrSet.Empty.Add("b", "x");
        var aRemoved = a.Remove("x");

        Assert.False(aRemoved.Contains("x"));
        Assert.True(aRemoved.Merge(b).Contains("x"));
        Assert.Equal(1, aRemoved.TombstoneCount);
    }
}
