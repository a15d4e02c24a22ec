using System.Diagnostics;
using System.Text.Json;
using Converge.Client.Transports;
using Converge.IntegrationTests.Infrastructure;

namespace Converge.IntegrationTests.Offline;

/// <summary>A long offline session's outbox, replayed against a server with its default limits.</summary>
public sealed class LargeOutboxTests(ITestOutputHelper output)
{
    // Before the push window, 10,000 changes went out at once: the server closed the session for too many pending
    // changes and as a slow consumer of its own acks, 25 times, and 83,205 changes were pushed again (26 s).
    [Theory]
    [InlineData(TransportKind.WebSocket)]
    [InlineData(TransportKind.ServerSentEvents)]
    [InlineData(TransportKind.LongPolling)]
    public async Task Ten_thousand_changes_made_while_paused__are_acknowledged_on_one_session_with_nothing_pushed_twice(TransportKind transport)
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("server.db"));
        await using var client = TestClients.Create(server.SyncUri, transports: transport);
        await client.StartAsync();
        var document = await client.OpenDocumentAsync("doc");

        await client.PauseAsync();
        var acks = new List<Task<long>>();
        for (var i = 0; i < 10_000; i++)
        {
            acks.Add((await document.SetAsync($"k{i % 500}", JsonSerializer.SerializeToElement(i))).Acknowledged);
        }

        var watch = Stopwatch.StartNew();
        await client.ResumeAsync();
        var sequences = await Task.WhenAll(acks).WaitAsync(TimeSpan.FromSeconds(90));
        var events = server.Logs.Lines.Select(static l => l.EventId.Name ?? "").GroupBy(static n => n).ToDictionary(static g => g.Key, static g => g.Count());
        output.WriteLine($"{transport}: 10,000 acknowledged {watch.ElapsedMilliseconds} ms after resume; sessions {events.GetValueOrDefault("SessionHello")}");

        Assert.Equal(Enumerable.Range(1, 10_000).Select(static n => (long)n), sequences.Order());
        Assert.Equal(0, events.GetValueOrDefault("SessionTooManyPending"));
        Assert.Equal(0, events.GetValueOrDefault("SessionSlowConsumer"));
        Assert.Equal(0, events.GetValueOrDefault("AuthorityDuplicateChange"));
        Assert.Equal(0, document.PendingCount);
    }
}
