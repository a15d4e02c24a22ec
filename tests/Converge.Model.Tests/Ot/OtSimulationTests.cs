using Converge.Model.Ot;
using CsCheck;

namespace Converge.Model.Tests.Ot;

/// <summary>
/// Clients and a server exchanging deltas over FIFO links with random delays (each step delivers or edits at random),
/// the way a WebSocket session behaves: every client ends with the server's text.
/// </summary>
public sealed class OtSimulationTests
{
    private abstract record Message;

    private sealed record Ack : Message;

    private sealed record Remote(TextDelta Delta) : Message;

    [Fact]
    public void Clients_editing_concurrently_with_random_delays__converge_on_the_servers_text()
    {
        Gen.Select(DeltaGen.Text, Gen.Int[2, 5], Gen.Int, Gen.Int[1, 60]).Sample((text, clientCount, seed, steps) =>
        {
            var random = new Random(seed);
            var server = new OtServerDocument(text);
            var clients = Enumerable.Range(0, clientCount).Select(_ => new OtClient(text, 0)).ToArray();
            var uplinks = clients.Select(_ => new Queue<OtOutgoing>()).ToArray();
            var downlinks = clients.Select(_ => new Queue<Message>()).ToArray();

            void DeliverUp(int i)
            {
                var sent = uplinks[i].Dequeue();
                var applied = server.Receive(sent.BaseRevision, sent.Delta);
                for (var j = 0; j < clientCount; j++)
                {
                    downlinks[j].Enqueue(j == i ? new Ack() : new Remote(applied));
                }
            }

            void DeliverDown(int i)
            {
                var outgoing = downlinks[i].Dequeue() switch
                {
                    Ack => clients[i].Acknowledge(),
                    Remote remote => Applied(clients[i], remote.Delta),
                    _ => null,
                };
                if (outgoing is { } send)
                {
                    uplinks[i].Enqueue(send);
                }
            }

            for (var step = 0; step < steps; step++)
            {
                var i = random.Next(clientCount);
                switch (random.Next(3))
                {
                    case 0:
                        var client = clients[i];
                        var position = random.Next(client.Length + 1);
                        var deleted = random.Next(Math.Min(3, client.Length - position) + 1);
                        var inserted = random.Next(3) == 0 ? "" : DeltaGen.Pieces[random.Next(DeltaGen.Pieces.Length)];
                        if (client.Edit(position, deleted, inserted) is { } send)
                        {
                            uplinks[i].Enqueue(send);
                        }

                        break;
                    case 1 when uplinks[i].Count > 0:
                        DeliverUp(i);
                        break;
                    case 2 when downlinks[i].Count > 0:
                        DeliverDown(i);
                        break;
                }
            }

            while (uplinks.Any(static q => q.Count > 0) || downlinks.Any(static q => q.Count > 0))
            {
                var i = random.Next(clientCount);
                if (uplinks[i].Count > 0 && (downlinks[i].Count == 0 || random.Next(2) == 0))
                {
                    DeliverUp(i);
                }
                else if (downlinks[i].Count > 0)
                {
                    DeliverDown(i);
                }
            }

            foreach (var client in clients)
            {
                Assert.Equal(OtClientState.Synchronized, client.State);
                Assert.Equal(server.Revision, client.Revision);
                Assert.Equal(server.Text, client.Text);
            }
        }, iter: 1000);
    }

    [Fact]
    public void A_delta_based_on_a_trimmed_or_future_revision__is_refused_and_changes_nothing()
    {
        var server = new OtServerDocument("abc");
        server.Receive(0, TextDelta.ForEdit(3, 0, 0, "x"));
        server.Receive(1, TextDelta.ForEdit(4, 0, 0, "y"));
        server.TrimHistory(1);

        Assert.Throws<InvalidTextDeltaException>(() => server.Receive(0, TextDelta.ForEdit(3, 0, 0, "z")));
        Assert.Throws<InvalidTextDeltaException>(() => server.Receive(5, TextDelta.ForEdit(5, 0, 0, "z")));
        Assert.Throws<InvalidTextDeltaException>(() => server.Receive(1, TextDelta.ForEdit(9, 0, 0, "z")));
        Assert.Equal("yxabc", server.Text);
        Assert.Equal(2, server.Revision);
        server.Receive(1, TextDelta.ForEdit(4, 3, 0, "z"));
        Assert.Equal("yxabzc", server.Text);
    }

    [Fact]
    public void An_acknowledgement_with_nothing_in_flight__is_a_protocol_error()
    {
        Assert.Throws<InvalidOperationException>(() => new OtClient("", 0).Acknowledge());
    }

    private static OtOutgoing? Applied(OtClient client, TextDelta remote)
    {
        client.ApplyRemote(remote);
        return null;
    }
}
