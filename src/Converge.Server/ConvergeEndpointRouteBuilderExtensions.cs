using Converge.Server.Transports;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

// In Microsoft.AspNetCore.Builder so that MapConverge is found where MapHub is.
namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the Converge sync endpoint.</summary>
public static class ConvergeEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the Converge sync endpoint at <paramref name="pattern"/> (WebSocket, protocol v1). The endpoint brings its
    /// own WebSocket middleware, so <c>UseWebSockets</c> is not needed. Requires <c>services.AddConverge()</c>.
    /// </summary>
    /// <param name="endpoints">The route builder.</param>
    /// <param name="pattern">The route, e.g. <c>/sync</c>.</param>
    /// <returns>A builder to add conventions (authorization, CORS, rate limiting) to the endpoint.</returns>
    public static IEndpointConventionBuilder MapConverge(this IEndpointRouteBuilder endpoints, string pattern)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        var endpoint = endpoints.ServiceProvider.GetService<WebSocketEndpoint>()
            ?? throw new InvalidOperationException("Call services.AddConverge() before app.MapConverge().");

        var pipeline = endpoints.CreateApplicationBuilder();
        pipeline.UseWebSockets();
        pipeline.Run(endpoint.HandleAsync);
        return endpoints.Map(pattern, pipeline.Build()).WithDisplayName($"Converge sync {pattern}");
    }
}
