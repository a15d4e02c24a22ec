using System.Security.Claims;
using System.Text.Json;
using Converge.Protocol;
using Converge.Protocol.Frames;
using Converge.Server.Authority;
using Converge.Server.Presence;
using Converge.Server.Security;
using Converge.Server.Sessions;
using Converge.Server.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Converge.Server.Tests.Presence;

/// <summary>
/// Presence frames through real sessions (the same path a transport takes, minus the socket): checks and refusals,
/// session ends, backpressure, and that presence never reaches an authority or the change log.
/// </summary>
public sealed class PresenceRegistryTests : IAsyncLifetime
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("converge-presence-");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
    private readonly ListLoggerProvider _logs = new();
    private ServiceProvider _services = null!;

    public async ValueTask InitializeAsync()
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(_logs).SetMinimumLevel(LogLevel.Debug));
        services.AddSingleton<TimeProvider>(_time);
        services.AddSingleton<IDocumentAuthorizer, SecretAuthorizer>();
        services.AddConverge(o =>
        {
            o.DatabasePath = Path.Combine(_directory.FullName, "presence.db");
            o.SessionQueueCapacity = 16;
            o.MaxDocumentBytes = 1024 * 1024;
            o.Presence.MaxDocumentsPerSession = 3;
        });
        _services = services.BuildServiceProvider();
        await _services.GetRequiredService<IChangeStore>().InitializeAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        _directory.Delete(recursive: true);
    }

    private PresenceRegistry Registry => _services.GetRequiredService<PresenceRegistry>();

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    private async Task<ServerSession> SessionAsync(string clientId, string? user = null)
    {
        var principal = user is null ? new ClaimsPrincipal(new ClaimsIdentity()) : new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, user)], "test"));
        var session = new ServerSession(Guid.NewGuid().ToString("N"), principal, _services.GetRequiredService<AuthorityRegistry>(),
            _services.GetRequiredService<IDocumentAuthorizer>(), _services.GetRequiredService<Observability.ConvergeServerMetrics>(), Registry,
            _services.GetRequiredService<IOptions<ConvergeServerOptions>>().Value, NullLogger.Instance);
        session.Touch(_time);
        await session.HandleAsync(new HelloFrame(ConvergeProtocol.Version, clientId), CancellationToken.None);
        Drain(session);
        return session;
    }

    /// <summary>Sums each presence instrument of this test's server (other tests' servers share the meter's name, not the instance).</summary>
    private Dictionary<string, long> RecordPresenceMetrics(System.Diagnostics.Metrics.MeterListener listener)
    {
        var meter = _services.GetRequiredService<Observability.ConvergeServerMetrics>().Meter;
        var totals = new Dictionary<string, long>();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == meter && instrument.Name.StartsWith("converge.server.presence.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var key = instrument.Name + string.Concat(tags.ToArray().Select(t => $"|{t.Value}"));
            lock (totals)
            {
                totals[key] = totals.GetValueOrDefault(key) + value;
            }
        });
        listener.Start();
        return totals;
    }

    private static List<Frame> Drain(ServerSession session)
    {
        var frames = new List<Frame>();
        while (session.Outbound.TryRead(out var frame))
        {
            frames.Add(frame);
        }

        return frames;
    }

    private async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"never: {what}");
            await Task.Yield();
        }
    }

    [Fact]
    public async Task A_join__is_answered_with_the_room_and_touches_no_authority_and_no_log()
    {
        var session = await SessionAsync("c1", "ann");
        await session.HandleAsync(new PresenceJoinFrame("doc", Json("""{"name":"Ann"}""")), CancellationToken.None);
        await session.HandleAsync(new PresenceUpdateFrame("doc", Cursor: new PresenceCursor(Json("3")), Typing: true), CancellationToken.None);

        var snapshot = Assert.IsType<PresenceSnapshotFrame>(Assert.Single(Drain(session)));
        Assert.Equal(("ann", "c1"), (snapshot.Users[0].UserId, snapshot.Users[0].Connections[0].ConnectionId));
        Assert.NotNull(Registry.Find("doc"));
        Assert.Equal(0, _services.GetRequiredService<AuthorityRegistry>().Count);
        Assert.Empty(await _services.GetRequiredService<IChangeStore>().ReadAsync("doc", 0, 10, CancellationToken.None));
    }

    [Fact]
    public async Task Presence_in_a_document_without_read_access__is_refused_with_forbidden_and_logged()
    {
        var session = await SessionAsync("c1", "ann");
        await session.HandleAsync(new PresenceJoinFrame("secret", Json("{}")), CancellationToken.None);

        var rejected = Assert.IsType<PresenceRejectedFrame>(Assert.Single(Drain(session)));
        Assert.Equal(ErrorCodes.Forbidden, rejected.Code);
        Assert.Null(Registry.Find("secret"));
        Assert.Null(session.CloseReason);
        Assert.Contains(_logs.Lines, l => l.EventName == "PresenceRejected" && l.Message.Contains("forbidden", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Oversized_metadata_or_cursor__is_refused_with_presence_too_large_and_the_session_stays()
    {
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        var metrics = RecordPresenceMetrics(listener);
        var session = await SessionAsync("c1");
        var big = Json(JsonSerializer.Serialize(new { name = new string('x', 5000) }));
        await session.HandleAsync(new PresenceJoinFrame("doc", big), CancellationToken.None);
        await session.HandleAsync(new PresenceJoinFrame("doc", Json("{}")), CancellationToken.None);
        await session.HandleAsync(new PresenceUpdateFrame("doc", Cursor: new PresenceCursor(Json(JsonSerializer.Serialize(new string('y', 2000))))), CancellationToken.None);

        var frames = Drain(session);
        Assert.Equal(ErrorCodes.PresenceTooLarge, Assert.IsType<PresenceRejectedFrame>(frames[0]).Code);
        Assert.IsType<PresenceSnapshotFrame>(frames[1]);
        Assert.Equal(ErrorCodes.PresenceTooLarge, Assert.IsType<PresenceRejectedFrame>(frames[2]).Code);
        Assert.Null(session.CloseReason);
        Assert.Equal(2, _logs.Lines.Count(l => l.EventName == "PresenceRejected"));
        Assert.Equal(2, metrics["converge.server.presence.rejected|presence_too_large"]);
        Assert.Equal(1, metrics["converge.server.presence.frames|snapshot"]);
    }

    [Fact]
    public async Task An_update_before_joining_and_joins_past_the_document_limit__are_refused_with_their_codes()
    {
        var session = await SessionAsync("c1");
        await session.HandleAsync(new PresenceUpdateFrame("doc", Typing: true), CancellationToken.None);
        foreach (var document in new[] { "d1", "d2", "d3", "d4" })
        {
            await session.HandleAsync(new PresenceJoinFrame(document, Json("{}")), CancellationToken.None);
        }

        var frames = Drain(session);
        Assert.Equal(ErrorCodes.NotJoined, Assert.IsType<PresenceRejectedFrame>(frames[0]).Code);
        Assert.Equal(3, frames.OfType<PresenceSnapshotFrame>().Count());
        Assert.Equal(ErrorCodes.PresenceLimit, Assert.IsType<PresenceRejectedFrame>(frames[^1]).Code);

        // Leaving one makes room again.
        await session.HandleAsync(new PresenceLeaveFrame("d1"), CancellationToken.None);
        await session.HandleAsync(new PresenceJoinFrame("d4", Json("{}")), CancellationToken.None);
        Assert.IsType<PresenceSnapshotFrame>(Assert.Single(Drain(session)));
    }

    [Fact]
    public async Task A_session_that_ends_without_a_goodbye__stays_present_for_the_timeout_then_goes()
    {
        var watcher = await SessionAsync("w", "walt");
        var leaver = await SessionAsync("l", "lee");
        await watcher.HandleAsync(new PresenceJoinFrame("doc", Json("{}")), CancellationToken.None);
        await leaver.HandleAsync(new PresenceJoinFrame("doc", Json("{}")), CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(50));
        Drain(watcher);

        leaver.Close(ConvergeCloseCode.Normal, "Connection lost.");
        await UntilAsync(() => Registry.TrackedSessions == 1, "the ended session is detached");
        _time.Advance(TimeSpan.FromSeconds(44));
        Assert.Empty(Drain(watcher));

        _time.Advance(TimeSpan.FromSeconds(1));
        _time.Advance(TimeSpan.FromMilliseconds(50));
        var diff = Assert.IsType<PresenceDiffFrame>(Assert.Single(Drain(watcher)));
        Assert.Equal(["lee"], diff.Left);
        Assert.Contains(_logs.Lines, l => l.EventName == "PresenceExpired");
    }

    [Fact]
    public async Task A_slow_reader__gets_presence_coalesced_never_more_than_a_quarter_of_its_queue_and_is_not_closed_for_it()
    {
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        var metrics = RecordPresenceMetrics(listener);
        var slow = await SessionAsync("slow", "sam");
        var mover = await SessionAsync("mover", "mo");
        await slow.HandleAsync(new PresenceJoinFrame("doc", Json("{}")), CancellationToken.None);
        await mover.HandleAsync(new PresenceJoinFrame("doc", Json("{}")), CancellationToken.None);
        Drain(mover);

        for (var i = 1; i <= 1000; i++)
        {
            await mover.HandleAsync(new PresenceUpdateFrame("doc", Cursor: new PresenceCursor(Json($"{{\"x\":{i}}}"))), CancellationToken.None);
            _time.Advance(TimeSpan.FromMilliseconds(5));
            Assert.InRange(slow.Outbound.Count, 0, 4);
            Drain(mover);
        }

        Assert.Null(slow.CloseReason);
        Assert.Equal(4, slow.Outbound.Count);
        Assert.True(metrics["converge.server.presence.deferred"] > 50, "the slow reader's presence was held back and counted");

        // Reading again, it gets the newest state in one frame.
        Drain(slow);
        _time.Advance(TimeSpan.FromMilliseconds(50));
        var diff = Assert.IsType<PresenceDiffFrame>(Assert.Single(Drain(slow)));
        Assert.Equal(1000, diff.Changed.Single(u => u.UserId == "mo").Connections[0].Cursor!.Position!.Value.GetProperty("x").GetInt32());
    }

    [Fact]
    public async Task Presence_frames_from_a_server__are_unexpected_from_a_client()
    {
        var session = await SessionAsync("c1");
        var error = await Assert.ThrowsAsync<ProtocolException>(async () =>
            await session.HandleAsync(new PresenceSnapshotFrame("doc", [], 0, 0), CancellationToken.None));
        Assert.Equal(ErrorCodes.UnexpectedFrame, error.ErrorCode);
    }

    private sealed class SecretAuthorizer : IDocumentAuthorizer
    {
        public ValueTask<DocumentAccess> GetAccessAsync(ClaimsPrincipal user, string documentId, CancellationToken cancellationToken) =>
            ValueTask.FromResult(documentId == "secret" ? DocumentAccess.None : DocumentAccess.ReadWrite);
    }
}
