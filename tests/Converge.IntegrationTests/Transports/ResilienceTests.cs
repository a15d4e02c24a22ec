using System.Text.Json;
using Converge.Client;
using Converge.Client.Documents;
using Converge.Client.Reconnection;
using Converge.Client.Transports;
using Converge.IntegrationTests.Infrastructure;
using Converge.Testing.Faults;
using Microsoft.Extensions.Time.Testing;

namespace Converge.IntegrationTests.Transports;

/// <summary>Issue 4's failure scenarios, end to end through the fault proxy.</summary>
public sealed class ResilienceTests
{
    private static JsonElement Json(object value) => JsonSerializer.SerializeToElement(value);

    /// <summary>Records every sequence a document shows, to prove nothing is applied twice or skipped.</summary>
    private static List<long> Watch(ConvergeDocument document)
    {
        var seen = new List<long>();
        document.Changed += (_, e) =>
        {
            lock (seen)
            {
                seen.Add(e.Sequence);
            }
        };
        return seen;
    }

    [Fact]
    public async Task Forced_fallback_from_websocket_to_sse_to_polling_and_back__misses_and_repeats_no_change()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"));
        await using var proxy = TestClients.ProxyTo(server);
        proxy.BlockWebSocketUpgrades(403);
        await using var writer = TestClients.Create(server.SyncUri, transports: TransportKind.WebSocket);
        await using var roamer = TestClients.Create(proxy.ToProxyUri(server.SyncUri), o => o.UpgradeProbeInterval = TimeSpan.FromMilliseconds(500));
        await Task.WhenAll(writer.StartAsync(), roamer.StartAsync());
        Assert.Equal("sse", roamer.TransportName);
        var w = await writer.OpenDocumentAsync("doc");
        var r = await roamer.OpenDocumentAsync("doc");
        var seen = Watch(r);
        var acks = new List<Task<long>>();

        async Task WriteBurstAsync(int from)
        {
            for (var i = from; i < from + 10; i++)
            {
                acks.Add((await w.SetAsync($"w{i}", Json(i))).Acknowledged);
                acks.Add((await r.SetAsync($"r{i}", Json(i))).Acknowledged);
            }
        }

        await WriteBurstAsync(0);

        // SSE refused too: the next connection has to be long polling.
        proxy.BlockRequests("/sync/sse", 403);
        proxy.DropConnections();
        await roamer.UntilStatusAsync(s => s.Transport == "longpolling", "long polling");
        await WriteBurstAsync(10);

        // The path clears: the probe moves the roamer back to WebSocket while changes keep flowing.
        proxy.Restore();
        var upgrading = WriteBurstAsync(20);
        await roamer.UntilStatusAsync(s => s.Transport == "websocket", "websocket again");
        await upgrading;
        await WriteBurstAsync(30);

        var sequences = await Task.WhenAll(acks);
        Assert.Equal(Enumerable.Range(1, 80).Select(i => (long)i), sequences.Order());
        await r.UntilSequenceAsync(80);
        await w.UntilSequenceAsync(80);
        Assert.True(r.State.ContentEquals(w.State), "the roamer and the writer differ");
        Assert.Equal(80, r.State.Count);
        lock (seen)
        {
            Assert.Equal(seen.Order(), seen);
        }
    }

    [Fact]
    public async Task A_blackholed_connection__is_detected_within_interval_plus_timeouts_and_resumes_without_loss()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"));
        await using var proxy = TestClients.ProxyTo(server);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var writer = TestClients.Create(server.SyncUri);
        await using var client = TestClients.Create(proxy.ToProxyUri(server.SyncUri), o =>
        {
            o.TimeProvider = time;
            o.ReconnectPolicy = new DefaultReconnectPolicy { Jitter = 0 };
        }, TransportKind.WebSocket);
        await Task.WhenAll(writer.StartAsync(), client.StartAsync());
        var w = await writer.OpenDocumentAsync("doc");
        var c = await client.OpenDocumentAsync("doc");

        proxy.Blackhole();
        for (var i = 0; i < 5; i++)
        {
            await (await w.SetAsync($"k{i}", Json(i))).Acknowledged;
        }

        var offline = await c.SetAsync("mine", Json(true));
        // Default heartbeats: ping at 15 s, unanswered 10 s, ping again, unanswered 10 s → dead at 35 s.
        time.Advance(TimeSpan.FromSeconds(15));
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(ConnectionState.Connected, client.State);
        time.Advance(TimeSpan.FromSeconds(10));
        var lost = await client.UntilStatusAsync(s => s.State == ConnectionState.Reconnecting, "reconnecting after the blackhole");
        Assert.Equal(FailureKind.Timeout, lost.LastFailure?.Kind);

        proxy.Restore();
        proxy.DropConnections();
        time.Advance(lost.RetryDelay!.Value);
        await client.UntilStatusAsync(s => s.State == ConnectionState.Connected, "connected again");
        Assert.Equal(6, await offline.Acknowledged);
        await c.UntilSequenceAsync(6);
        await w.UntilSequenceAsync(6);
        Assert.True(c.State.ContentEquals(w.State));
    }

    [Fact]
    public async Task A_server_restart_mid_session__clients_reconnect_with_backoff_and_resume_from_their_cursors()
    {
        using var temp = new TempDirectory();
        var database = temp.File("converge.db");
        var server = await TestServer.StartAsync(database);
        var port = server.Port;
        await using var a = TestClients.Create(server.SyncUri);
        await using var b = TestClients.Create(server.SyncUri, transports: TransportKind.LongPolling);
        await Task.WhenAll(a.StartAsync(), b.StartAsync());
        var da = await a.OpenDocumentAsync("doc");
        var db = await b.OpenDocumentAsync("doc");
        await (await da.SetAsync("before", Json(1))).Acknowledged;
        await db.UntilSequenceAsync(1);

        await server.DisposeAsync();
        await a.UntilStatusAsync(s => s.State == ConnectionState.Reconnecting, "a reconnecting");
        await b.UntilStatusAsync(s => s.State == ConnectionState.Reconnecting, "b reconnecting");
        var pendingA = await da.SetAsync("during", Json(2));

        await using var restarted = await TestServer.StartAsync(database, port: port);
        await a.UntilStatusAsync(s => s.State == ConnectionState.Connected, "a back");
        await b.UntilStatusAsync(s => s.State == ConnectionState.Connected, "b back");
        Assert.Equal(2, await pendingA.Acknowledged);
        await (await db.SetAsync("after", Json(3))).Acknowledged;
        await da.UntilSequenceAsync(3);
        await db.UntilSequenceAsync(3);
        Assert.True(da.State.ContentEquals(db.State));
        Assert.Equal(3, da.State.Count);
    }

    [Fact]
    public async Task Five_hundred_ms_of_latency_each_way__still_converges_without_duplicates()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"));
        await using var proxy = TestClients.ProxyTo(server);
        proxy.SetLatency(TimeSpan.FromMilliseconds(500));
        await using var slow = TestClients.Create(proxy.ToProxyUri(server.SyncUri), o => o.HandshakeTimeout = TimeSpan.FromSeconds(15), TransportKind.WebSocket);
        await using var fast = TestClients.Create(server.SyncUri);
        await Task.WhenAll(slow.StartAsync(), fast.StartAsync());
        var s = await slow.OpenDocumentAsync("doc");
        var f = await fast.OpenDocumentAsync("doc");
        var seen = Watch(s);

        var acks = new List<Task<long>>();
        for (var i = 0; i < 15; i++)
        {
            acks.Add((await s.SetAsync("shared", Json($"slow{i}"))).Acknowledged);
            acks.Add((await f.SetAsync("shared", Json($"fast{i}"))).Acknowledged);
        }

        Assert.Equal(30, (await Task.WhenAll(acks)).Distinct().Count());
        await s.UntilSequenceAsync(30);
        await f.UntilSequenceAsync(30);
        Assert.True(s.State.ContentEquals(f.State));
        lock (seen)
        {
            Assert.Equal(seen.Order(), seen);
        }
    }

    [Fact]
    public async Task Rapid_connect_and_disconnect__ten_times_in_a_second_for_100_clients__leaks_no_sessions_or_sockets()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"));
        var before = OpenDescriptors();
        var clients = Enumerable.Range(0, 100).Select(i => TestClients.Create(server.SyncUri, transports: TransportKind.WebSocket)).ToArray();
        var started = DateTime.UtcNow;
        await Task.WhenAll(clients.Select(async client =>
        {
            for (var round = 0; round < 10; round++)
            {
                await client.StartAsync();
                await client.StopAsync();
            }
        }));
        var elapsed = DateTime.UtcNow - started;

        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }

        await server.UntilActiveSessionsAsync(0);
        Assert.True(OpenDescriptors() - before < 50, $"{OpenDescriptors() - before} descriptors more than before");
        Assert.True(elapsed < TimeSpan.FromSeconds(30), $"1,000 connect/disconnect cycles took {elapsed}");
    }

    private static int OpenDescriptors() => Directory.GetFiles("/proc/self/fd").Length;
}
