using Converge.Model.Clocks;
using Converge.Model.Encoding;
using Converge.Model.Sets;
using CsCheck;

namespace Converge.Model.Tests.Sets;

public sealed class OrSetTests
{
    private static readonly Gen<OrSet<string>> State =
        Gen.Select(OrSetScript.Gen(2, 4, compact: true), Gen.Int[0, 3]).Select(static (script, pick) =>
        {
            var states = script.Run().States;
            return states[pick % states.Length];
        });

    [Fact]
    public void Concurrent_add_and_remove_of_one_element__add_wins()
    {
        var start = new OrSet<string>().Add("a", "x");
        var remover = start.Remove("a", "x");
        var adder = start.Add("b", "x");

        Assert.False(remover.Contains("x"));
        Assert.True(remover.Merge(adder).Contains("x"));
        Assert.True(adder.Merge(remover).Contains("x"));
    }

    [Fact]
    public void Remove__removes_only_the_observed_tags()
    {
        var a = new OrSet<string>().Add("a", "x");
        var b = new OrSet<string>().Add("b", "x");
        var remove = a.PrepareRemove("a", "x");

        Assert.Equal([new OrSetTag("a", 1)], remove.Tags);
        Assert.True(a.Merge(b).Apply(remove).Contains("x"));
        Assert.False(a.Apply(remove).Merge(b.Merge(a).Remove("b", "x")).Contains("x"));
    }

    [Fact]
    public void Apply_of_an_operation_whose_predecessors_are_missing__throws_and_a_duplicate_is_ignored()
    {
        var origin = new OrSet<string>();
        var first = origin.PrepareAdd("a", "x");
        origin = origin.Apply(first);
        var second = origin.PrepareRemove("a", "x");
        var remote = new OrSet<string>();

        Assert.False(remote.IsCausallyReady(second));
        Assert.Throws<InvalidOperationException>(() => remote.Apply(second));
        var applied = remote.Apply(first).Apply(second);
        Assert.Same(applied, applied.Apply(first));
        Assert.Same(applied, applied.Apply(second));
        Assert.Empty(applied.Elements);
    }

    [Fact]
    public void Merge__is_commutative_associative_and_idempotent_including_compacted_states()
    {
        // Three replicas of one history, so that their states are related as real replicas' are.
        MergeProperties.AssertJoin(
            OrSetScript.Gen(3, 4, compact: true).Select(static script =>
            {
                var (states, _) = script.Run();
                return (states[0], states[1], states[2]);
            }),
            static (a, b) => a.Merge(b));
    }

    [Fact]
    public void Operations_delivered_to_2_to_5_replicas_in_random_causal_orders_with_duplicates__converge()
    {
        Gen.Select(OrSetScript.Gen(2, 5, compact: false), Gen.Int).Sample((script, seed) =>
        {
            var (origins, operations) = script.Run();
            var expected = origins.Aggregate(new OrSet<string>(), static (s, o) => s.Merge(o));
            var random = new Random(seed);
            for (var i = 0; i < script.Replicas; i++)
            {
                var state = Deliver(operations, random);
                Assert.Equal(expected, state);
            }
        }, iter: EncodingProperties.Iterations);
    }

    [Fact]
    public void Compact_after_full_sync__drops_every_tombstone_and_merges_back_to_itself_with_up_to_date_replicas()
    {
        OrSetScript.Gen(2, 5, compact: false).Sample(script =>
        {
            var (states, _) = script.Run();
            var synced = states.Aggregate(new OrSet<string>(), static (s, o) => s.Merge(o));
            var replicas = states.Select(s => s.Merge(synced)).ToArray();
            var frontier = OrSet.StabilityFrontier(replicas.Select(static r => r.Context));

            var compacted = replicas[0].Compact(frontier);

            Assert.Equal(0, compacted.TombstoneCount);
            Assert.Equal(replicas[0].Elements.Order(), compacted.Elements.Order());
            foreach (var replica in replicas)
            {
                Assert.Equal(compacted, compacted.Merge(replica));
                Assert.Equal(compacted, replica.Merge(compacted));
            }
        }, iter: EncodingProperties.Iterations);
    }

    [Fact]
    public void Compact_at_the_stability_frontier__never_changes_the_elements_any_replica_sees_afterwards()
    {
        // The same history run twice: replica 0 compacts whenever the script says so in one run, never in the
        // other. Every replica must see the same elements in both, and a final full merge must agree too.
        OrSetScript.Gen(2, 5, compact: true).Sample(script =>
        {
            var (withCompaction, _) = script.Run();
            var (without, _) = script.Run(compactAllowed: static _ => false);
            for (var i = 0; i < script.Replicas; i++)
            {
                Assert.Equal(without[i].Elements.Order(), withCompaction[i].Elements.Order());
                Assert.Equal(without[i].Context, withCompaction[i].Context);
                Assert.True(withCompaction[i].TombstoneCount <= without[i].TombstoneCount);
            }

            var all = withCompaction.Aggregate(new OrSet<string>(), static (s, o) => s.Merge(o));
            var allWithout = without.Aggregate(new OrSet<string>(), static (s, o) => s.Merge(o));
            Assert.Equal(allWithout.Elements.Order(), all.Elements.Order());
        }, iter: EncodingProperties.Iterations);
    }

    [Fact]
    public void Compact__keeps_a_tombstone_until_every_replica_has_seen_its_remove()
    {
        var a = new OrSet<string>().Add("a", "x");
        var b = new OrSet<string>().Merge(a);
        a = a.Remove("a", "x");

        var early = a.Compact(OrSet.StabilityFrontier([a.Context, b.Context]));
        Assert.Equal(1, early.TombstoneCount);

        b = b.Merge(a);
        var stable = a.Compact(OrSet.StabilityFrontier([a.Context, b.Context]));
        Assert.Equal(0, stable.TombstoneCount);
        Assert.False(stable.Merge(b).Contains("x"));
        Assert.Equal(0, stable.Merge(b).TombstoneCount);
    }

    [Fact]
    public void StabilityFrontier__is_the_meet_of_the_contexts()
    {
        var frontier = OrSet.StabilityFrontier([VersionVector.Empty.With("a", 3).With("b", 1), VersionVector.Empty.With("a", 2).With("c", 5)]);

        Assert.Equal(VersionVector.Empty.With("a", 2), frontier);
        Assert.Equal(VersionVector.Empty, OrSet.StabilityFrontier([]));
    }

    [Fact]
    public void Encode__round_trips_states_and_operations()
    {
        OrSetScript.Gen(1, 4, compact: true).Sample(script =>
        {
            var (states, operations) = script.Run();
            foreach (var state in states)
            {
                Assert.Equal(state, OrSet.Decode(EncodingProperties.Bytes(o => state.Encode(o, ModelCodecs.String)), ModelCodecs.String));
            }

            foreach (var operation in operations)
            {
                Assert.Equal(operation, OrSet.DecodeOperation(EncodingProperties.Bytes(o => operation.Encode(o, ModelCodecs.String)), ModelCodecs.String));
            }
        }, iter: EncodingProperties.Iterations);
    }

    [Fact]
    public void Decode_of_hostile_bytes__throws_ModelEncodingException_only()
    {
        EncodingProperties.AssertHostileBytesFailCleanly(
            State.Select(static s => EncodingProperties.Bytes(o => s.Encode(o, ModelCodecs.String))),
            static b => OrSet.Decode(b, ModelCodecs.String));
        var operation = Gen.Select(State, Gen.Bool, Gen.OneOf(OrSetScript.Elements))
            .Select(static (s, add, e) => add ? (OrSetOperation<string>)s.PrepareAdd("r9", e) : s.PrepareRemove("r9", e));
        EncodingProperties.AssertHostileBytesFailCleanly(
            operation.Select(static op => EncodingProperties.Bytes(o => op.Encode(o, ModelCodecs.String))),
            static b => OrSet.DecodeOperation(b, ModelCodecs.String));
    }

    [Fact]
    public void Decode_of_a_tag_beyond_the_context__throws_ModelEncodingException()
    {
        var bytes = EncodingProperties.Bytes(o => new OrSet<string>().Add("a", "x").Encode(o, ModelCodecs.String));
        // Layout: format, context {a:1} = [1, 1, 'a', 1], live count 1, tag [0, 1], element "x".
        bytes[7] = 2;

        Assert.Throws<ModelEncodingException>(() => OrSet.Decode(bytes, ModelCodecs.String));
    }

    // Delivers every operation once or twice, each time picking at random among those causally ready.
    private static OrSet<string> Deliver(List<OrSetOperation<string>> operations, Random random)
    {
        var pending = operations.Concat(operations.Where(_ => random.Next(4) == 0)).ToList();
        var state = new OrSet<string>();
        while (pending.Count > 0)
        {
            var ready = pending.Where(state.IsCausallyReady).ToList();
            Assert.NotEmpty(ready);
            var next = ready[random.Next(ready.Count)];
            pending.Remove(next);
            state = state.Apply(next);
        }

        return state;
    }
}
