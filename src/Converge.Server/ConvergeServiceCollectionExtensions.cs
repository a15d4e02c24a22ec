using Converge.Server;
using Converge.Server.Authority;
using Converge.Server.Storage;
using Converge.Server.Transports;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

// In Microsoft.Extensions.DependencyInjection so that AddConverge is found where AddSignalR is.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Converge server.</summary>
public static class ConvergeServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Converge server: document authorities, the change log (SQLite by default, PostgreSQL with
    /// <see cref="ConvergeServerOptions.UsePostgres"/>) and the sync endpoint's services.
    /// Map the endpoint with <c>app.MapConverge("/sync")</c>. Options are validated at startup.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets options; see <see cref="ConvergeServerOptions"/> for the defaults.</param>
    /// <returns>The same service collection.</returns>
    public static IServiceCollection AddConverge(this IServiceCollection services, Action<ConvergeServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<ConvergeServerOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConvergeServerOptions>, ConvergeServerOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IChangeStore>(provider =>
        {
            var settings = provider.GetRequiredService<IOptions<ConvergeServerOptions>>().Value;
            return settings.Storage.PostgresConnectionString is { } postgres
                ? new PostgresChangeStore(postgres, settings.Storage.PostgresSchema, provider.GetRequiredService<ILogger<PostgresChangeStore>>())
                : new SqliteChangeStore(settings.DatabasePath, provider.GetRequiredService<ILogger<SqliteChangeStore>>());
        });
        services.AddMetrics();
        services.TryAddSingleton<Converge.Server.Observability.ConvergeServerMetrics>();
        services.AddHealthChecks().AddCheck<Converge.Server.Observability.ConvergeHealthCheck>("converge");
        services.TryAddSingleton<GroupCommitter>();
        services.TryAddSingleton<AuthorityRegistry>();
        services.TryAddSingleton<Converge.Server.Presence.PresenceRegistry>();
        services.TryAddSingleton<Converge.Server.Security.IDocumentAuthorizer, Converge.Server.Security.AllowAllDocumentAuthorizer>();
        services.TryAddSingleton<WebSocketEndpoint>();
        services.TryAddSingleton<Converge.Server.Sessions.SessionTracker>();
        services.TryAddSingleton<HttpSessionRegistry>();
        services.AddHostedService<ConvergeStartup>();
        return services;
    }

    private sealed class ConvergeServerOptionsValidator : IValidateOptions<ConvergeServerOptions>
    {
        public ValidateOptionsResult Validate(string? name, ConvergeServerOptions options)
        {
            var failures = options.Validate().ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }

    // Opens the store at startup so that a bad database path fails the host at once, not the first client.
    private sealed class ConvergeStartup(IChangeStore store) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => store.InitializeAsync(cancellationToken).AsTask();

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
