using System.Net;
using Converge.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Converge.IntegrationTests.Infrastructure;

/// <summary>A real Converge server on Kestrel at 127.0.0.1, on a SQLite file the test owns (restartable on it).</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestServer(WebApplication app, int port, CapturingLoggerProvider logs)
    {
        _app = app;
        Port = port;
        Logs = logs;
    }

    public int Port { get; }

    public Uri SyncUri => new($"ws://127.0.0.1:{Port}/sync");

    public CapturingLoggerProvider Logs { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Sessions the server holds right now (armed and not yet fully ended).</summary>
    public int ActiveSessions => _app.Services.GetRequiredService<Converge.Server.Sessions.SessionTracker>().Count;

    /// <summary>Waits (yielding, not sleeping) until the server holds exactly <paramref name="count"/> sessions.</summary>
    public async Task UntilActiveSessionsAsync(int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (ActiveSessions != count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"The server holds {ActiveSessions} sessions, expected {count}.");
            }

            await Task.Yield();
        }
    }

    public static async Task<TestServer> StartAsync(string databasePath, Action<ConvergeServerOptions>? configure = null,
        TimeProvider? time = null, int port = 0, Action<WebApplication>? configureApp = null,
        Action<IServiceCollection>? configureServices = null, Action<IEndpointConventionBuilder>? configureEndpoints = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        var logs = new CapturingLoggerProvider();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(logs);
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        configureServices?.Invoke(builder.Services);
        builder.Services.AddConverge(options =>
        {
            options.DatabasePath = databasePath;
            configure?.Invoke(options);
        });
        var app = builder.Build();
        var endpoints = app.MapConverge("/sync");
        configureEndpoints?.Invoke(endpoints);
        configureApp?.Invoke(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestServer(app, new Uri(address).Port, logs);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
