using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Converge.Server.Security;

/// <summary>Authenticates sync requests with an app-supplied token validator (see <see cref="ConvergeBearerOptions"/>).</summary>
internal sealed class ConvergeBearerHandler(IOptionsMonitor<ConvergeBearerOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<ConvergeBearerOptions>(options, logger, encoder)
{
    public const string SchemeName = "ConvergeBearer";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = ReadToken();
        if (token is null)
        {
            return AuthenticateResult.NoResult();
        }

        var user = await Options.ValidateToken!(token, Context.RequestAborted).ConfigureAwait(false);
        return user is null
            ? AuthenticateResult.Fail("The access token was refused.")
            : AuthenticateResult.Success(new AuthenticationTicket(user, Scheme.Name));
    }

    private string? ReadToken()
    {
        var header = Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header["Bearer ".Length..].Trim();
        }

        return Request.Query["access_token"].ToString() is { Length: > 0 } query ? query : null;
    }
}
