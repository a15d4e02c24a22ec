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
