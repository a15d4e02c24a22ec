using Converge.Client.Reconnection;
using Converge.Client.Tests.Fakes;
using Converge.Client.Transports;
using Converge.Protocol;
using Converge.Protocol.Frames;
using Microsoft.Extensions.Time.Testing;

namespace Converge.Client.Tests.Reconnection;

/// <summary>The client's reconnect behaviour per failure class, on fake time against a scripted transport.</summary>
public sealed class ReconnectionTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));
    private readonly ScriptedServer _server = new();
    private readonly ConvergeClient _client;
    private readonly StatusRecorder _statuses;

    public ReconnectionTests()
    {
        var options = new ConvergeClientOptions
        {
            ServerUri = new Uri("ws://127.0.0.1:9/sync"),
            TimeProvider = _time,
            ReconnectPolicy = new DefaultReconnectPolicy { Jitter = 0 },
            AccessTokenProvider = (request, _) =>
            {
                lock (_server.TokenRequests)
                {
                    _server.TokenRequests.Add(request);
                }

                return ValueTask.FromResult<string?>(request.ForceRefresh ? "fresh" : "cached");
            },
        };
        options.Transports.Clear();
        options.Transports.Add(TransportKind.WebSocket);
        _client = new ConvergeClient(options, _server.Create, null);
        _statuses = new StatusRecorder(_client);
    }

    public ValueTask DisposeAsync() => _client.DisposeAsync();

    private static ConnectionFailure Http(int status, TimeSpan? retryAfter = null) =>
        FailureClassifier.FromHttpStatus(status, null, DateTimeOffset.UnixEpoch) with { RetryAfter = retryAfter };

    [Fact]
    public async Task Unauthorized__refreshes_the_token_once_then_stops_without_a_retry_loop()
    {
        _server.Fail(Http(401), times: 5);

        var error = await Assert.ThrowsAsync<ConvergeConnectionException>(() => _client.StartAsync());

        Assert.Equal(FailureKind.Unauthorized, error.Failure.Kind);
        Assert.Equal(2, _server.Attempts);
        Assert.Equal([false, true], _server.TokenRequests.Select(r => r.ForceRefresh));
        Assert.Equal(ConnectionState.Disconnected, _client.State);
        Assert.Equal(FailureKind.Unauthorized, _client.Status.LastFailure?.Kind);
    }

    [Fact]
    public async Task Unauthorized_then_accepted_with_the_fresh_token__connects()
    {
        _server.Fail(Http(401)).Accept();
        await _client.StartAsync();
        Assert.Equal(ConnectionState.Connected, _client.State);
        Assert.Equal("fresh", ((HelloFrame)_server.Connections[^1].Sent[0]).Token);
    }

    [Fact]
    public async Task Forbidden__stops_at_once()
    {
        _server.Fail(Http(403));
        var error = await Assert.ThrowsAsync<ConvergeConnectionException>(() => _client.StartAsync());
        Assert.Equal(FailureKind.Forbidden, error.Failure.Kind);
        Assert.Equal(1, _server.Attempts);
    }

    [Fact]
    public async Task A_live_sessions_uplink_refused_with_403__reconnects_because_a_fresh_attempt_decides_not_the_path()
    {
        await _client.StartAsync();
        var document = await _client.OpenDocumentAsync("doc");
        var reconnecting = _statuses.WaitAsync(s => s.State is ConnectionState.Reconnecting or ConnectionState.Disconnected, "the uplink failure");
        _server.Connections[^1].SendFailure = Http(403);
        await document.SetAsync("k", System.Text.Json.JsonSerializer.SerializeToElement(1));
        _time.Advance(TimeSpan.FromMilliseconds(16));

        var status = await reconnecting;
        Assert.Equal(ConnectionState.Reconnecting, status.State);
        Assert.Equal(FailureKind.ConnectionLost, status.LastFailure?.Kind);
        Assert.Equal(403, status.LastFailure?.StatusCode);

        // The fresh attempt is refused too: now it is final.
        _server.Fail(Http(403));
        var stopped = _statuses.WaitAsync(s => s.State == ConnectionState.Disconnected, "disconnected", _statuses.Mark);
        _time.Advance(status.RetryDelay!.Value);
        Assert.Equal(FailureKind.Forbidden, (await stopped).LastFailure?.Kind);
    }

    [Fact]
    public async Task Rate_limited_with_retry_after__waits_exactly_that_long_then_continues()
    {
        _server.Fail(Http(429, TimeSpan.FromSeconds(7)));
        var waiting = _statuses.WaitAsync(s => s.State == ConnectionState.Reconnecting, "reconnecting");
        var start = _client.StartAsync();

        var status = await waiting;
        Assert.Equal(TimeSpan.FromSeconds(7), status.RetryDelay);
        _time.Advance(TimeSpan.FromSeconds(6.9));
        Assert.Equal(1, _server.Attempts);
        _time.Advance(TimeSpan.FromSeconds(0.1));

        await start;
        Assert.Equal(2, _server.Attempts);
        Assert.Equal(ConnectionState.Connected, _client.State);
    }

    [Fact]
    public async Task Server_errors__back_off_exponentially_then_connect()
    {
        _server.Fail(Http(500), times: 3);
        var start = _client.StartAsync();
        foreach (var expected in new[] { 1, 2, 4 })
        {
            var status = await _statuses.WaitAsync(s => s.State == ConnectionState.Reconnecting && s.RetryDelay == TimeSpan.FromSeconds(expected), $"a {expected} s delay");
            Assert.Equal(FailureKind.ServerError, status.LastFailure?.Kind);
            _time.Advance(TimeSpan.FromSeconds(expected));
        }

        await start;
        Assert.Equal(4, _server.Attempts);
    }

    [Fact]
    public async Task The_network_coming_back__retries_at_once_instead_of_waiting_out_the_backoff()
    {
        _server.Fail(new ConnectionFailure(FailureKind.ConnectionLost, "offline"), times: 6);
        var start = _client.StartAsync();
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            var status = await _statuses.WaitAsync(s => s.State == ConnectionState.Reconnecting && s.Attempt == attempt, $"attempt {attempt}");
            _time.Advance(status.RetryDelay!.Value);
        }

        // Attempt 6 waits 32 s capped to 30 s; the network signal ends the wait without any time passing.
        var sixth = await _statuses.WaitAsync(s => s.State == ConnectionState.Reconnecting && s.Attempt == 6, "attempt 6");
        Assert.Equal(TimeSpan.FromSeconds(30), sixth.RetryDelay);
        _client.NotifyNetworkAvailable();
        await start;
        Assert.Equal(7, _server.Attempts);
    }

    [Fact]
    public async Task The_network_coming_back_while_an_attempt_is_failing__is_not_lost_and_the_next_attempt_follows_at_once()
    {
        // The signal lands while attempt 3 is still under way (before its failure is known): the backoff after it is skipped.
        _server.Fail(new ConnectionFailure(FailureKind.ConnectionLost, "offline"), times: 3);
        _server.DuringAttempt = attempt =>
        {
            if (attempt == 3)
            {
                _client.NotifyNetworkAvailable();
            }
        };
        var start = _client.StartAsync();
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            var status = await _statuses.WaitAsync(s => s.State == ConnectionState.Reconnecting && s.Attempt == attempt, $"attempt {attempt}");
            _time.Advance(status.RetryDelay!.Value);
        }

        // No fake time passes after attempt 3: without the signal this would wait forever, so bound it in real time.
        await start.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(4, _server.Attempts);
    }

    [Fact]
    public async Task A_blackholed_connection__is_detected_by_heartbeats_and_replaced()
    {
        await _client.StartAsync();
        _server.AnswerPings = false;
        var lost = _statuses.WaitAsync(s => s.State == ConnectionState.Reconnecting, "reconnecting after heartbeat loss");

        _time.Advance(TimeSpan.FromSeconds(15));
        _time.Advance(TimeSpan.FromSeconds(10));
        _time.Advance(TimeSpan.FromSeconds(10));

        var status = await lost;
        Assert.Equal(FailureKind.Timeout, status.LastFailure?.Kind);
        _server.AnswerPings = true;
        var back = _statuses.WaitAsync(s => s.State == ConnectionState.Connected, "connected again", _statuses.Mark);
        _time.Advance(status.RetryDelay!.Value);
        await back;
        Assert.Equal(2, _server.Connections.Count);
    }

    [Fact]
    public async Task A_resumable_server_close__reconnects_and_a_fatal_one_stops()
    {
        await _client.StartAsync();
        var reconnecting = _statuses.WaitAsync(s => s.State == ConnectionState.Reconnecting, "reconnecting");
        _server.Connections[^1].ServerClose(ConvergeCloseCode.GoingAway, "restart", new ErrorFrame(ErrorCodes.ShuttingDown, "bye"));
        Assert.Equal(FailureKind.ServerError, (await reconnecting).LastFailure?.Kind);
        var connected = _statuses.WaitAsync(s => s.State == ConnectionState.Connected, "connected", _statuses.Mark);
        _time.Advance(TimeSpan.FromSeconds(1));
        await connected;

        var stopped = _statuses.WaitAsync(s => s.State == ConnectionState.Disconnected, "disconnected");
        _server.Connections[^1].ServerClose(ConvergeCloseCode.UnsupportedVersion, "v2 only");
        Assert.Equal(FailureKind.Fatal, (await stopped).LastFailure?.Kind);
    }

    [Fact]
    public async Task Reconnecting_resubscribes_open_documents_from_their_cursors_and_resends_pending_changes()
    {
        await _client.StartAsync();
        var document = await _client.OpenDocumentAsync("doc");
        var reconnecting = _statuses.WaitAsync(s => s.State == ConnectionState.Reconnecting, "reconnecting");
        _server.Connections[^1].ServerClose(null, "reset");
        await reconnecting;
        await document.SetAsync("k", System.Text.Json.JsonSerializer.SerializeToElement(1));

        var connected = _statuses.WaitAsync(s => s.State == ConnectionState.Connected, "connected", _statuses.Mark);
        _time.Advance(TimeSpan.FromSeconds(1));
        await connected;

        var transport = _server.Connections[^1];
        var hello = Assert.IsType<HelloFrame>(transport.Sent[0]);
        Assert.Equal("doc", Assert.Single(hello.Subscriptions!).DocumentId);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!transport.Sent.ToArray().Any(f => f is PushFrame { DocumentId: "doc" } push && push.Changes[0].ClientSeq == 1))
        {
            Assert.True(DateTime.UtcNow < deadline, "the pending change was not re-sent");
            await Task.Yield();
        }
    }

    [Fact]
    public async Task Pause_closes_cleanly_and_resume_reconnects()
    {
        await _client.StartAsync();
        await _client.PauseAsync();
        Assert.Equal(ConnectionState.Disconnected, _client.State);
        Assert.Equal(ConvergeCloseCode.Normal, _server.Connections[^1].Close?.Code);

        await _client.ResumeAsync();
        Assert.Equal(ConnectionState.Connected, _client.State);
        Assert.Equal(2, _server.Connections.Count);
    }
}
