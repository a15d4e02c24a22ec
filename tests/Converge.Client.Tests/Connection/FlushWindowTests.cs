using System.Text.Json;
using Converge.Client.Tests.Fakes;
using Converge.Client.Transports;
using Converge.Protocol.Frames;
using Microsoft.Extensions.Time.Testing;

namespace Converge.Client.Tests.Connection;

/// <summary>Batching of local changes by the flush window, on fake time.</summary>
public sealed class FlushWindowTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
    private readonly ScriptedServer _server = new();
    private readonly ConvergeClient _client;

    public FlushWindowTests()
    {
        var options = new ConvergeClientOptions { ServerUri = new Uri("ws://127.0.0.1:9/sync"), TimeProvider = _time };
        options.Transports.Clear();
        options.Transports.Add(TransportKind.WebSocket);
        _client = new ConvergeClient(options, _server.Create, null);
    }

    public ValueTask DisposeAsync() => _client.DisposeAsync();

    private PushFrame[] Pushes() => [.. _server.Connections[^1].SentSnapshot().OfType<PushFrame>()];

    private async Task<PushFrame[]> UntilPushesAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Pushes().Length < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"expected {count} push frame(s), saw {Pushes().Length}");
            await Task.Yield();
        }

        return Pushes();
    }

    [Fact]
    public async Task Changes_made_within_the_window__go_out_as_one_frame_when_it_ends()
    {
        await _client.StartAsync();
        var document = await _client.OpenDocumentAsync("doc");
        for (var i = 0; i < 10; i++)
        {
            await document.SetAsync("k" + i, JsonSerializer.SerializeToElement(i));
        }

        _time.Advance(TimeSpan.FromMilliseconds(15));
        await Task.Yield();
        Assert.Empty(Pushes());

        _time.Advance(TimeSpan.FromMilliseconds(1));
        var push = Assert.Single(await UntilPushesAsync(1));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), push.Changes.Select(c => c.ClientSeq));
    }

    [Fact]
    public async Task A_metered_network__waits_the_longer_window_and_turning_it_off_sends_at_once()
    {
        await _client.StartAsync();
        var document = await _client.OpenDocumentAsync("doc");
        _client.IsMetered = true;
        await document.SetAsync("a", JsonSerializer.SerializeToElement(1));
        _time.Advance(TimeSpan.FromSeconds(1));
        await document.SetAsync("b", JsonSerializer.SerializeToElement(2));
        await Task.Yield();
        Assert.Empty(Pushes());

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, Assert.Single(await UntilPushesAsync(1)).Changes.Count);

        await document.SetAsync("c", JsonSerializer.SerializeToElement(3));
        _client.IsMetered = false;
        Assert.False(_client.IsMetered);
        Assert.Equal(3, (await UntilPushesAsync(2))[1].Changes[0].ClientSeq);
    }

    [Fact]
    public async Task Stopping__sends_what_waits_in_the_window_before_the_close()
    {
        await _client.StartAsync();
        var document = await _client.OpenDocumentAsync("doc");
        _client.IsMetered = true;
        await document.SetAsync("a", JsonSerializer.SerializeToElement(1));

        await _client.PauseAsync();

        Assert.Single(Pushes());
    }

    [Fact]
    public async Task Concurrent_flushes__never_reorder_changes_on_the_wire()
    {
        await using var client = new ConvergeClient(
            // The scripted server never acknowledges: a push window as large as the test, so all 2,000 go out.
            new ConvergeClientOptions { ServerUri = new Uri("ws://127.0.0.1:9/sync"), TimeProvider = _time, FlushWindow = TimeSpan.Zero, MaxChangesInFlight = 2000 },
            _server.Create, null);
        await client.StartAsync();
        var document = await client.OpenDocumentAsync("doc");

        // Every change flushes at once, from eight threads: frames must still carry client sequences in order.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < 250; i++)
            {
                await document.SetAsync($"k{t}", JsonSerializer.SerializeToElement(i));
            }
        })));

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Pushes().Sum(p => p.Changes.Count) < 2000 && DateTime.UtcNow < deadline)
        {
            await Task.Yield();
        }

        var sent = Pushes().SelectMany(p => p.Changes).Select(c => c.ClientSeq).ToArray();
        Assert.Equal(2000, sent.Length);
        Assert.Equal(sent.Order(), sent);
    }
}
