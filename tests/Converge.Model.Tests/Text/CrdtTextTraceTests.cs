using Converge.Model.Text;
using Converge.Testing.Traces;

namespace Converge.Model.Tests.Text;

public sealed class CrdtTextTraceTests
{
    public static TheoryData<string> Traces() => new(EditingTrace.AvailableNames());

    [Theory]
    [MemberData(nameof(Traces))]
    public void Replaying_a_trace__reproduces_its_end_content(string name)
    {
        var trace = EditingTrace.Load(name);
        var (text, _) = Replay(trace, "a");

        Assert.Equal(trace.EndContent, text.ToString());
        Assert.Equal(CrdtText.CountCodePoints(trace.EndContent), text.Length);
    }

    [Theory]
    [MemberData(nameof(Traces))]
    public void Integrating_a_traces_operations_on_another_replica__reproduces_its_end_content(string name)
    {
        var trace = EditingTrace.Load(name);
        var (_, operations) = Replay(trace, "a");
        var other = new CrdtText("b");
        foreach (var operation in operations)
        {
            Assert.True(other.Integrate(operation));
        }

        Assert.Equal(trace.EndContent, other.ToString());
    }

    [Theory]
    [MemberData(nameof(Traces))]
    public void Integrating_a_traces_operations_after_an_encoding_round_trip__reproduces_its_end_content(string name)
    {
        var trace = EditingTrace.Load(name);
        var (_, operations) = Replay(trace, "a");
        var decoded = TextOperationCodec.Decode(TextOperationCodec.Encode(operations));
        var other = new CrdtText("b");
        foreach (var operation in decoded)
        {
            Assert.True(other.Integrate(operation));
        }

        Assert.Equal(trace.EndContent, other.ToString());
    }

    [Theory]
    [MemberData(nameof(Traces))]
    public void A_replica_reloaded_from_its_encoding_halfway__integrates_the_rest_to_the_end_content(string name)
    {
        var trace = EditingTrace.Load(name);
        var (_, operations) = Replay(trace, "a");
        var other = new CrdtText("b");
        var half = operations.Count / 2;
        foreach (var operation in operations.Take(half))
        {
            other.Integrate(operation);
        }

        other = CrdtText.Decode(other.Encode(), "b");
        foreach (var operation in operations.Skip(half))
        {
            Assert.True(other.Integrate(operation));
        }

        Assert.Equal(trace.EndContent, other.ToString());
    }

    [Theory]
    [MemberData(nameof(Traces))]
    public void A_replayed_trace_state__round_trips_through_its_encoding(string name)
    {
        var trace = EditingTrace.Load(name);
        var (text, _) = Replay(trace, "a");

        var loaded = CrdtText.Decode(text.Encode(), "b");

        Assert.Equal(trace.EndContent, loaded.ToString());
        Assert.Equal(text.Version, loaded.Version);
        var edit = loaded.Insert(loaded.Length / 2, "merged 🙂");
        Assert.True(text.Integrate(edit!));
        Assert.Equal(text.ToString(), loaded.ToString());
    }

    [Theory]
    [MemberData(nameof(Traces))]
    public void Compacting_a_replayed_trace__keeps_its_text_shrinks_it_and_still_merges(string name)
    {
        var trace = EditingTrace.Load(name);
        var (text, operations) = Replay(trace, "a");
        var other = new CrdtText("b");
        foreach (var operation in operations)
        {
            other.Integrate(operation);
        }

        var items = text.ItemCount;
        var size = text.Encode().Length;
        text.Compact(text.Version.Meet(other.Version));

        Assert.Equal(trace.EndContent, text.ToString());
        Assert.True(text.ItemCount < items);
        Assert.True(text.Encode().Length < size);
        // Both edit concurrently at a few spots, the uncompacted one right where tombstones were dropped.
        var random = new Random(42);
        var fromA = new List<TextOperation>();
        var fromB = new List<TextOperation>();
        for (var i = 0; i < 50; i++)
        {
            var at = random.Next(text.Length + 1);
            fromA.Add(text.Insert(at, "A" + i)!);
            fromB.Add(other.Insert(Math.Min(at, other.Length), "B" + i)!);
        }

        fromB.ForEach(o => text.Integrate(o));
        fromA.ForEach(o => other.Integrate(o));
        Assert.Equal(other.ToString(), text.ToString());
    }

    internal static (CrdtText Text, List<TextOperation> Operations) Replay(EditingTrace trace, string replica)
    {
        var text = new CrdtText(replica);
        var operations = new List<TextOperation>();
        if (text.Insert(0, trace.StartContent) is { } start)
        {
            operations.Add(start);
        }

        foreach (var patch in trace.Patches)
        {
            if (text.Delete(patch.Position, patch.DeleteCount) is { } deletion)
            {
                operations.Add(deletion);
            }

            if (text.Insert(patch.Position, patch.Insert) is { } insertion)
            {
                operations.Add(insertion);
            }
        }

        return (text, operations);
    }
}
