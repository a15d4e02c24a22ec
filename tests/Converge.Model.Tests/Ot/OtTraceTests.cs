using Converge.Model.Ot;
using Converge.Testing.Traces;

namespace Converge.Model.Tests.Ot;

/// <summary>Every real editing trace in ../shared/traces, replayed through OT client → server → other client.</summary>
public sealed class OtTraceTests
{
    public static TheoryData<string> Traces() => new(EditingTrace.AvailableNames());

    [Theory]
    [MemberData(nameof(Traces))]
    public void Replaying_a_trace_through_client_server_and_a_second_client__reproduces_its_end_content(string name)
    {
        var trace = EditingTrace.Load(name);
        var server = new OtServerDocument(trace.StartContent);
        var author = new OtClient(trace.StartContent, 0);
        var observer = new OtClient(trace.StartContent, 0);
        foreach (var patch in trace.Patches)
        {
            var send = author.Edit(patch.Position, patch.DeleteCount, patch.Insert)!.Value;
            observer.ApplyRemote(server.Receive(send.BaseRevision, send.Delta));
            Assert.Null(author.Acknowledge());
            server.TrimHistory(server.Revision);
        }

        Assert.Equal(trace.EndContent, server.Text);
        Assert.Equal(trace.EndContent, author.Text);
        Assert.Equal(trace.EndContent, observer.Text);
    }

    [Theory]
    [MemberData(nameof(Traces))]
    public void Replaying_a_trace_with_acknowledgements_late__composes_the_buffer_to_the_end_content(string name)
    {
        // Acks arrive only every 100 edits, so most edits are composed into the buffer and sent as one delta.
        var trace = EditingTrace.Load(name);
        var server = new OtServerDocument(trace.StartContent);
        var author = new OtClient(trace.StartContent, 0);
        var inFlight = new Queue<OtOutgoing>();
        var edits = 0;
        foreach (var patch in trace.Patches)
        {
            if (author.Edit(patch.Position, patch.DeleteCount, patch.Insert) is { } send)
            {
                inFlight.Enqueue(send);
            }

            if (++edits % 100 == 0)
            {
                Deliver(server, author, inFlight);
            }
        }

        while (inFlight.Count > 0)
        {
            Deliver(server, author, inFlight);
        }

        Assert.Equal(trace.EndContent, server.Text);
        Assert.Equal(trace.EndContent, author.Text);
        Assert.True(server.Revision < trace.Patches.Count() / 50, $"{server.Revision} deltas reached the server");
    }

    private static void Deliver(OtServerDocument server, OtClient author, Queue<OtOutgoing> inFlight)
    {
        if (inFlight.TryDequeue(out var sent))
        {
            server.Receive(sent.BaseRevision, sent.Delta);
            if (author.Acknowledge() is { } next)
            {
                inFlight.Enqueue(next);
            }
        }
    }
}
