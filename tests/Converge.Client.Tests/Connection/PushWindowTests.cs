using System.Text.Json;
using Converge.Client.Tests.Fakes;
using Converge.Client.Transports;
using Converge.Protocol;
using Converge.Protocol.Frames;
using Microsoft.Extensions.Time.Testing;

namespace Converge.Client.Tests.Connection;

/// <summary>Flow control of pushes: at most the window's changes unanswered at once, the rest sent as answers come.</summary>
public sealed class PushWindowTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
    private readonly ScriptedServer _server = new();

    private ConvergeClient Client(int maxChangesInFlight = 1024)
    {
        var options = new ConvergeClientOptions
        {
            ServerUri = new Uri("ws://127.0.0.1:9/sync"),
            TimeProvider = _time,
            FlushWindow = TimeSpan.Zero,
            MaxChangesInFlight = maxChangesInFlight,
        };
        options.Transports.Clear();
        options.Transports.Add(TransportKind.WebSocket);
        return new ConvergeClient(options, _server.Create, null);
    }

    private static long[] Pushed(ScriptedTransport transport) =>
        [.. transport.SentSnapshot().OfType<PushFrame>().SelectMany(static p => p.Changes).Select(static c => c.ClientSeq)];

    private static async Task<long[]> UntilPushedAsync(ScriptedTransport transport, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Pushed(transport).Length < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"expected {count} pushed change(s), saw {Pushed(transport).Length}");
            await Task.Yield();
        }

        return Pushed(transport);
    }

    // Settles what is queued: no frame the client could still send is left unsent.
    private static async Task<long[]> SettledAsync(ScriptedTransport transport)
    {
        for (var i = 0; i < 50; i++)
        {
            await Task.Yield();
        }

        return Pushed(transport);
    }

    [Fact]
    public async Task A_queue_replayed_on_reconnect__keeps_at_most_the_servers_announced_window_unanswered_and_sends_the_rest_as_acks_come()
    {
        _server.MaxPendingChanges = 8;
        await using var client = Client();
        await client.StartAsync();
        var document = await client.OpenDocumentAsync("doc");
        await client.PauseAsync();
        for (var i = 0; i < 20; i++)
        {
            await document.SetAsync("k" + i, JsonSerializer.SerializeToElement(i));
        }

        await client.ResumeAsync();
        var transport = _server.Connections[^1];
        Assert.Equal(Enumerable.Range(1, 8).Select(static n => (long)n), await UntilPushedAsync(transport, 8));
        Assert.Equal(8, (await SettledAsync(transport)).Length);

        // Three answers leave five unanswered: more than half the window, so nothing more yet.
        transport.Deliver(new AckFrame("doc", 1, 1));
        transport.Deliver(new AckFrame("doc", 2, 2));
        transport.Deliver(new RejectFrame("doc", 3, ErrorCodes.ValidationFailed, "no"));
        Assert.Equal(8, (await SettledAsync(transport)).Length);

        // The fourth frees half: the window fills again, in order.
        transport.Deliver(new AckFrame("doc", 4, 3));
        Assert.Equal(Enumerable.Range(1, 12).Select(static n => (long)n), await UntilPushedAsync(transport, 12));
        Assert.Equal(12, (await SettledAsync(transport)).Length);

        for (long seq = 5, sequence = 4; seq <= 20; seq++, sequence++)
        {
            var sent = await UntilPushedAsync(transport, (int)seq);
            Assert.Contains(seq, sent);
            transport.Deliver(new AckFrame("doc", seq, sequence));
        }

        Assert.Equal(Enumerable.Range(1, 20).Select(static n => (long)n), await SettledAsync(transport));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (document.PendingCount != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{document.PendingCount} change(s) still pending");
            await Task.Yield();
        }
    }

    [Fact]
    public async Task The_clients_own_limit__applies_when_the_server_announces_none_or_a_larger_one()
    {
        _server.MaxPendingChanges = null;
        await using var client = Client(maxChangesInFlight: 5);
        await client.StartAsync();
        var document = await client.OpenDocumentAsync("doc");
        for (var i = 0; i < 12; i++)
        {
            await document.SetAsync("k" + i, JsonSerializer.SerializeToElement(i));
        }

        var transport = _server.Connections[^1];
        Assert.Equal(5, (await UntilPushedAsync(transport, 5)).Length);
        Assert.Equal(5, (await SettledAsync(transport)).Length);
    }

    [Fact]
    public async Task A_new_connection__starts_with_an_empty_window_and_sends_every_pending_change_again_within_it()
    {
        _server.MaxPendingChanges = 4;
        await using var client = Client();
        var statuses = new StatusRecorder(client);
        await client.StartAsync();
        var document = await client.OpenDocumentAsync("doc");
        for (var i = 0; i < 6; i++)
        {
            await document.SetAsync("k" + i, JsonSerializer.SerializeToElement(i));
        }

        var first = _server.Connections[^1];
        Assert.Equal(4, (await UntilPushedAsync(first, 4)).Length);

        // The connection is lost with four unanswered: the next one owes nothing and sends the oldest four again.
        var reconnected = statuses.WaitAsync(static s => s.State == ConnectionState.Connected, "reconnected", statuses.Mark);
        first.ServerClose(null, "lost");
        await statuses.WaitAsync(static s => s.State == ConnectionState.Reconnecting, "lost");
        _time.Advance(TimeSpan.FromSeconds(30));
        await reconnected;
        var second = _server.Connections[^1];
        Assert.NotSame(first, second);
        Assert.Equal(new long[] { 1, 2, 3, 4 }, await UntilPushedAsync(second, 4));
        Assert.Equal(4, (await SettledAsync(second)).Length);
    }

    [Fact]
    public void A_window_below_one__is_refused_by_the_options()
    {
        var options = new ConvergeClientOptions { ServerUri = new Uri("ws://127.0.0.1:9/sync"), MaxChangesInFlight = 0 };
        var error = Assert.Throws<ArgumentException>(() => new ConvergeClient(options));
        Assert.Contains(nameof(ConvergeClientOptions.MaxChangesInFlight), error.Message, StringComparison.Ordinal);
    }
}
