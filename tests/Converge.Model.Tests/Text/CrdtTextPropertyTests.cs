using Converge.Model.Text;
using CsCheck;

namespace Converge.Model.Tests.Text;

public sealed class CrdtTextPropertyTests
{
    private static readonly Gen<(int Replicas, int Seed, int Steps, bool Causal)> Sessions =
        Gen.Select(Gen.Int[2, 5], Gen.Int, Gen.Int[1, 120], Gen.Bool);

    [Fact]
    public void Concurrent_sessions_with_any_delivery_order_and_duplicates__converge()
    {
        Sessions.Sample(s =>
        {
            var session = new TextSession(s.Replicas, s.Seed, s.Causal);
            session.Run(s.Steps);
            session.DeliverAll();
            session.AssertConverged();
        }, iter: 1000);
    }

    [Fact]
    public void Concurrent_runs_typed_at_the_same_spot__are_never_interleaved()
    {
        Gen.Select(Gen.Int[2, 4], Gen.Int, Gen.Int[0, 30]).Sample((replicas, seed, history) =>
        {
            // A shared base with a random history (so there are tombstones around the spot), then each replica types
            // its own run forward, one code point at a time, at the same visible index.
            var session = new TextSession(replicas, seed, causal: false);
            for (var i = 0; i < history; i++)
            {
                session.Edit(0);
            }

            session.DeliverAll();
            var index = session.Random.Next(session.Replicas[0].Length + 1);
            var runs = new string[replicas];
            for (var r = 0; r < replicas; r++)
            {
                var letter = (char)('A' + r);
                runs[r] = new string(letter, 1 + session.Random.Next(6));
                for (var k = 0; k < runs[r].Length; k++)
                {
                    session.Broadcast(r, session.Replicas[r].Insert(index + k, letter.ToString())!);
                }
            }

            session.DeliverAll();
            session.AssertConverged();
            var text = session.Replicas[0].ToString();
            foreach (var run in runs)
            {
                Assert.Contains(run, text, StringComparison.Ordinal);
            }
        }, iter: 1000);
    }

    [Fact]
    public void Compacting_at_a_causally_stable_cut__keeps_convergence_with_replicas_that_did_not()
    {
        var casesThatDropped = 0;
        Sessions.Sample(s =>
        {
            var session = new TextSession(s.Replicas, s.Seed, s.Causal);
            session.Run(s.Steps);
            // The cut: the Meet of all versions now, usable by a replica once it has everything anyone had now.
            var meet = session.Meet();
            var join = session.Join();
            var compacted = new bool[s.Replicas];
            session.Run(s.Steps, _ =>
            {
                var r = session.Random.Next(s.Replicas);
                if (!compacted[r] && session.Replicas[r].Version.Dominates(join) && session.Random.Next(2) == 0)
                {
                    var before = session.Replicas[r].ToString();
                    if (session.Replicas[r].Compact(meet) > 0)
                    {
                        Interlocked.Increment(ref casesThatDropped);
                    }

                    if (session.Random.Next(2) == 0)
                    {
                        // A compacted state has clock gaps; it must load and go on merging.
                        session.Replicas[r] = CrdtText.Decode(session.Replicas[r].Encode(), session.Replicas[r].Replica);
                        Assert.Equal(before, session.Replicas[r].ToString());
                    }

                    Assert.Equal(before, session.Replicas[r].ToString());
                    compacted[r] = true;
                }
            });
            session.DeliverAll();
            session.AssertConverged();
            var beforeFinal = session.Replicas[0].ToString();
            session.Replicas[0].Compact(session.Meet());
            Assert.Equal(beforeFinal, session.Replicas[0].ToString());
            session.Run(s.Steps);
            session.DeliverAll();
            session.AssertConverged();
        }, iter: 1000);
        // The law is only worth something if compactions happen and drop tombstones that later edits go around.
        Assert.True(casesThatDropped > 100, $"only {casesThatDropped} compactions dropped anything");
    }

    [Fact]
    public void Encoded_states__round_trip_and_keep_merging()
    {
        Sessions.Sample(s =>
        {
            var session = new TextSession(s.Replicas, s.Seed, s.Causal);
            session.Run(s.Steps);
            var original = session.Replicas[0];
            var loaded = CrdtText.Decode(original.Encode(), original.Replica);
            Assert.Equal(original.ToString(), loaded.ToString());
            Assert.Equal(original.Version, loaded.Version);
            // The loaded copy must integrate everything else exactly as the original does.
            session.Replicas[0] = loaded;
            session.Run(s.Steps);
            session.DeliverAll();
            session.AssertConverged();
        }, iter: 1000);
    }

    [Fact]
    public void Encoded_operations__round_trip()
    {
        Sessions.Sample(s =>
        {
            var session = new TextSession(s.Replicas, s.Seed, s.Causal);
            session.Run(s.Steps);
            var decoded = TextOperationCodec.Decode(TextOperationCodec.Encode(session.Log));
            Assert.Equal(session.Log.Count, decoded.Count);
            for (var i = 0; i < decoded.Count; i++)
            {
                Assert.Equal(session.Log[i].ToString(), decoded[i].ToString());
            }
        }, iter: 1000);
    }
}
