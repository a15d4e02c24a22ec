using Converge.Server.Security;

// In Microsoft.Extensions.DependencyInjection so that AddConvergeBearer is found next to AddJwtBearer.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Converge bearer-token handler.</summary>
public static class ConvergeAuthenticationBuilderExtensions
{
    /// <summary>
    /// Adds a bearer scheme whose tokens an app-supplied validator checks (<see cref="ConvergeBearerOptions.ValidateToken"/>),
    /// reading the token from the Authorization header or the <c>access_token</c> query parameter. Protect the endpoints
    /// with <c>app.MapConverge("/sync").RequireAuthorization()</c>; unauthenticated handshakes then get HTTP 401.
    /// </summary>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="configure">Sets the validator.</param>
    /// <returns>The same builder.</returns>
    public static Microsoft.AspNetCore.Authentication.AuthenticationBuilder AddConvergeBearer(
        this Microsoft.AspNetCore.Authentication.AuthenticationBuilder builder, Action<ConvergeBearerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddScheme<ConvergeBearerOptions, ConvergeBearerHandler>(ConvergeBearerHandler.SchemeName, configure);
    }
}
