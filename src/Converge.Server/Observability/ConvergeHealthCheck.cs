using Converge.Server.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Converge.Server.Observability;

/// <summary>Healthy when the change log answers a read. Map it with <c>app.MapHealthChecks("/healthz")</c>.</summary>
internal sealed class ConvergeHealthCheck(IChangeStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.ReadAsync("converge/health", 0, 1, cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy("The change log answers.");
        }
#pragma warning disable CA1031 // Any failure of the store is exactly what a health check reports.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return HealthCheckResult.Unhealthy("The change log does not answer.", ex);
        }
    }
}
