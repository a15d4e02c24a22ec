using Converge.Server;
using Converge.Server.Transports;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

// In Microsoft.AspNetCore.Builder so that MapConverge is found where MapHub is.
namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the Converge sync endpoints.</summary>
public static class ConvergeEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the Converge sync endpoints under <paramref name="pattern"/> (protocol v1, docs/protocol.md): WebSocket at
    /// the pattern itself, SSE + POST at <c>/sse</c>, long polling + POST at <c>/poll</c>. The endpoints bring their own
    /// WebSocket middleware, so <c>UseWebSockets</c> is not needed. Requires <c>services.AddConverge()</c>.
    /// </summary>
    /// <param name="endpoints">The route builder.</param>
    /// <param name="pattern">The route prefix, e.g. <c>/sync</c>.</param>
    /// <returns>A builder to add conventions (authorization, CORS, rate limiting) to every Converge endpoint.</returns>
    public static IEndpointConventionBuilder MapConverge(this IEndpointRouteBuilder endpoints, string pattern)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        var services = endpoints.ServiceProvider;
        var webSockets = services.GetService<WebSocketEndpoint>()
            ?? throw new InvalidOperationException("Call services.AddConverge() before app.MapConverge().");
        var options = services.GetRequiredService<IOptions<ConvergeServerOptions>>().Value;
        var time = services.GetRequiredService<TimeProvider>();
        var sessions = services.GetRequiredService<HttpSessionRegistry>();
        var factory = services.GetRequiredService<ILoggerFactory>();
        var sse = new ServerSentEventsEndpoint(sessions, options, time, factory.CreateLogger<ServerSentEventsEndpoint>());
        var polling = new LongPollingEndpoint(sessions, options, time, factory.CreateLogger<LongPollingEndpoint>());
        var uplink = new HttpUplink(sessions, options, time, factory.CreateLogger<HttpUplink>());

        var group = endpoints.MapGroup(pattern);
        var pipeline = endpoints.CreateApplicationBuilder();
        pipeline.UseWebSockets();
        pipeline.Run(webSockets.HandleAsync);
        group.Map(string.Empty, pipeline.Build()).WithDisplayName($"Converge WebSocket {pattern}");
        group.MapGet("/sse", sse.HandleAsync).WithDisplayName($"Converge SSE {pattern}/sse");
        group.MapPost("/sse/{session}", (HttpContext context, string session) => uplink.HandleAsync(context, session, "sse"));
        group.MapGet("/poll", polling.OpenAsync).WithDisplayName($"Converge long polling {pattern}/poll");
        group.MapGet("/poll/{session}", (HttpContext context, string session) => polling.PollAsync(context, session));
        group.MapPost("/poll/{session}", (HttpContext context, string session) => uplink.HandleAsync(context, session, "longpolling"));
        group.MapDelete("/poll/{session}", (HttpContext context, string session) => polling.EndAsync(context, session));
        return group;
    }
}
