using System.Security.Claims;
using System.Text.Json;
using System.Threading.Channels;
using Converge.Model.Documents;
using Converge.Protocol;
using Converge.Protocol.Frames;
using Converge.Server.Authority;
using Converge.Server.Security;
using Converge.Server.Sessions;
using Converge.Server.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Converge.Server.Tests.Storage;

/// <summary>
/// The server's services (AddConverge) on one store and a <see cref="FakeTimeProvider"/>, without a transport: sessions
/// are driven frame by frame and their outbound queues read directly. Disposing it is a graceful shutdown.
/// </summary>
internal sealed class AuthorityHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private AuthorityHarness(ServiceProvider services, FakeTimeProvider time)
    {
        _services = services;
        Time = time;
    }

    public FakeTimeProvider Time { get; }

    public IChangeStore Store => _services.GetRequiredService<IChangeStore>();

    public AuthorityRegistry Registry => _services.GetRequiredService<AuthorityRegistry>();

    public ConvergeServerOptions Options => _services.GetRequiredService<IOptions<ConvergeServerOptions>>().Value;

    public GroupCommitter Committer => _services.GetRequiredService<GroupCommitter>();

    public Observability.ConvergeServerMetrics Metrics => _services.GetRequiredService<Observability.ConvergeServerMetrics>();

    /// <param name="decorate">Wraps the target's store (which the wrapper then owns), e.g. to count or hold transactions.</param>
    /// <param name="logs">Also receives every log line.</param>
    public static async Task<AuthorityHarness> StartAsync(StoreTarget target, Action<ConvergeServerOptions> configure, FakeTimeProvider? time = null,
        Func<IChangeStore, IChangeStore>? decorate = null, ILoggerProvider? logs = null)
    {
        time ??= new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero));
        var collection = new ServiceCollection().AddLogging(l =>
        {
            if (Environment.GetEnvironmentVariable("CONVERGE_TEST_LOG") == "1")
            {
                l.AddSimpleConsole().SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Debug);
            }

            if (logs is not null)
            {
                l.AddProvider(logs).SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Debug);
            }
        }).AddSingleton<TimeProvider>(time);
        if (decorate is not null)
        {
            // Registered before AddConverge, whose TryAdd then keeps it.
            collection.AddSingleton(_ => decorate(target.Open()));
        }

        var services = collection.AddConverge(options =>
        {
            target.Configure(options);
            options.MaxFramesPerSecond = 0;
            configure(options);
        }).BuildServiceProvider();
        await services.GetRequiredService<IChangeStore>().InitializeAsync(CancellationToken.None);
        return new AuthorityHarness(services, time);
    }

    /// <summary>A session that said hello as <paramref name="clientId"/> and subscribed to <paramref name="documentId"/> from <paramref name="since"/>.</summary>
    public async Task<ServerSession> ConnectAsync(string clientId, string documentId, long since = 0) =>
        (await HelloAsync(clientId, [new Subscription(documentId, since)])).Session;

    /// <summary>A session that said hello as <paramref name="clientId"/>, and the welcome it got.</summary>
    public async Task<(ServerSession Session, WelcomeFrame Welcome)> HelloAsync(string clientId, IReadOnlyList<Subscription>? subscriptions = null)
    {
        var session = new ServerSession(Guid.NewGuid().ToString("N"), new ClaimsPrincipal(new ClaimsIdentity()), Registry,
            _services.GetRequiredService<IDocumentAuthorizer>(), _services.GetRequiredService<Observability.ConvergeServerMetrics>(),
            _services.GetRequiredService<Converge.Server.Presence.PresenceRegistry>(), Options, NullLogger.Instance);
        await session.HandleAsync(new HelloFrame(ConvergeProtocol.Version, clientId, null, subscriptions), CancellationToken.None);
        return (session, await NextAsync<WelcomeFrame>(session));
    }

    public static PushFrame Push(string documentId, string clientId, long clientSeq, string key, object value) =>
        new(documentId, [new ClientChange(clientId, clientSeq, [new SetValue(key, JsonSerializer.SerializeToElement(value))])]);

    /// <summary>The next frame of type <typeparamref name="T"/> the session was sent, skipping others (collected into <paramref name="skipped"/>).</summary>
    public static async Task<T> NextAsync<T>(ServerSession session, List<Frame>? skipped = null)
        where T : Frame
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            Frame frame;
            try
            {
                frame = await session.Outbound.ReadAsync(timeout.Token);
            }
            catch (ChannelClosedException)
            {
                throw new Xunit.Sdk.XunitException($"The session closed ({session.CloseReason}) before a {typeof(T).Name} came.");
            }

            if (frame is T wanted)
            {
                return wanted;
            }

            skipped?.Add(frame);
        }
    }

    /// <summary>Pushes one change and returns the sequence its ack carries.</summary>
    public static async Task<long> PushAndAckAsync(ServerSession session, string documentId, long clientSeq, string key, object value)
    {
        await session.HandleAsync(Push(documentId, session.ClientId!, clientSeq, key, value), CancellationToken.None);
        var ack = await NextAsync<AckFrame>(session);
        Assert.Equal(clientSeq, ack.ClientSeq);
        return ack.Sequence;
    }

    /// <summary>
    /// Advances fake time a quarter of <paramref name="by"/> at a time (each step fires the authorities' ticks) until
    /// <paramref name="condition"/> holds, for at most eight steps: the authority may handle a command that came just
    /// before (and so restarts an idle clock) after the first steps.
    /// </summary>
    public async Task AdvanceUntilAsync(TimeSpan by, Func<Task<bool>> condition, string what)
    {
        var step = TimeSpan.FromTicks(by.Ticks / 4);
        for (var i = 0; i < 8; i++)
        {
            Time.Advance(step);
            if (await Eventually.WithinAsync(condition, TimeSpan.FromMilliseconds(300)))
            {
                return;
            }
        }

        await Eventually.TrueAsync(condition, what);
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
