using Converge.Client;
using Converge.Client.Reconnection;
using Converge.Client.Transports;
using Converge.IntegrationTests.Infrastructure;
using Converge.Testing.Faults;
using Microsoft.Extensions.Time.Testing;

namespace Converge.IntegrationTests.Transports;

/// <summary>Each failure class of issue 4 gets its documented behaviour, over a real HTTP handshake.</summary>
public sealed class FailureClassTests : IAsyncLifetime
{
    private readonly TempDirectory _temp = new();
    private readonly List<AccessTokenRequest> _tokenRequests = [];
    // The client's clock: every wait (Retry-After, backoff) is advanced by the test, never slept through.
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private TestServer _server = null!;
    private FaultProxy _proxy = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await TestServer.StartAsync(_temp.File("converge.db"));
        _proxy = TestClients.ProxyTo(_server);
    }

    public async ValueTask DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _server.DisposeAsync();
        _temp.Dispose();
    }

    private ConvergeClient Client(Action<ConvergeClientOptions>? configure = null) =>
        TestClients.Create(_proxy.ToProxyUri(_server.SyncUri), options =>
        {
            options.TimeProvider = _time;
            options.AccessTokenProvider = (request, _) =>
            {
                lock (_tokenRequests)
                {
                    _tokenRequests.Add(request);
                }

                return ValueTask.FromResult<string?>(request.ForceRefresh ? "fresh" : "stale");
            };
            configure?.Invoke(options);
        }, TransportKind.WebSocket);

    [Fact]
    public async Task Http_401__asks_for_a_fresh_token_retries_once_then_stops_as_unauthorized()
    {
        _proxy.BlockWebSocketUpgrades(401);
        await using var client = Client();

        var error = await Assert.ThrowsAsync<ConvergeConnectionException>(() => client.StartAsync());

        Assert.Equal(FailureKind.Unauthorized, error.Failure.Kind);
        Assert.Equal(401, error.Failure.StatusCode);
        Assert.Equal([false, true], _tokenRequests.Select(r => r.ForceRefresh));
        Assert.Equal(2, _proxy.AcceptedConnections);
        Assert.Equal(ConnectionState.Disconnected, client.State);
    }

    [Fact]
    public async Task Http_403__stops_without_retrying()
    {
        _proxy.BlockWebSocketUpgrades(403);
        await using var client = Client();

        var error = await Assert.ThrowsAsync<ConvergeConnectionException>(() => client.StartAsync());

        Assert.Equal(FailureKind.Forbidden, error.Failure.Kind);
        Assert.Equal(1, _proxy.AcceptedConnections);
    }

    [Fact]
    public async Task Http_429_with_retry_after_seconds__waits_exactly_that_then_connects()
    {
        _proxy.BlockWebSocketUpgrades(new HttpRejection(429) { Headers = new Dictionary<string, string> { ["Retry-After"] = "1" } });
        await using var client = Client();
        var start = client.StartAsync();

        var waiting = await client.UntilStatusAsync(s => s.State == ConnectionState.Reconnecting, "rate limited");
        Assert.Equal(FailureKind.RateLimited, waiting.LastFailure?.Kind);
        Assert.Equal(TimeSpan.FromSeconds(1), waiting.RetryDelay);
        _proxy.Restore();
        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(1, _proxy.AcceptedConnections);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await start;
        Assert.Equal(ConnectionState.Connected, client.State);
    }

    [Fact]
    public async Task Http_503_with_retry_after_as_a_date__waits_until_that_date()
    {
        var until = _time.GetUtcNow().AddSeconds(3);
        _proxy.BlockWebSocketUpgrades(new HttpRejection(503) { Headers = new Dictionary<string, string> { ["Retry-After"] = until.ToString("r") } });
        await using var client = Client();
        var start = client.StartAsync();

        var waiting = await client.UntilStatusAsync(s => s.State == ConnectionState.Reconnecting, "service unavailable");
        Assert.Equal(FailureKind.RateLimited, waiting.LastFailure?.Kind);
        Assert.InRange(waiting.RetryDelay!.Value, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3));
        _proxy.Restore();
        _time.Advance(waiting.RetryDelay.Value);
        await start;
    }

    [Fact]
    public async Task Http_5xx__backs_off_with_growing_delays_and_connects_when_the_server_recovers()
    {
        _proxy.BlockWebSocketUpgrades(500);
        await using var client = Client(o => o.ReconnectPolicy = new DefaultReconnectPolicy { InitialDelay = TimeSpan.FromMilliseconds(20), Jitter = 0 });
        var delays = new List<TimeSpan>();
        client.StatusChanged += (_, e) =>
        {
            if (e.Status is { State: ConnectionState.Reconnecting, RetryDelay: { } delay })
            {
                lock (delays)
                {
                    delays.Add(delay);
                }
            }
        };
        var start = client.StartAsync();
        for (var attempt = 1; attempt < 4; attempt++)
        {
            var status = await client.UntilStatusAsync(s => s.State == ConnectionState.Reconnecting && s.Attempt == attempt, $"attempt {attempt}");
            _time.Advance(status.RetryDelay!.Value);
        }

        var fourth = await client.UntilStatusAsync(s => s.State == ConnectionState.Reconnecting && s.Attempt == 4, "four attempts");
        Assert.Equal(FailureKind.ServerError, fourth.LastFailure?.Kind);
        _proxy.Restore();
        _time.Advance(fourth.RetryDelay!.Value);
        await start;
        lock (delays)
        {
            Assert.Equal([20, 40, 80, 160], delays.Take(4).Select(d => d.TotalMilliseconds));
        }
    }
}
