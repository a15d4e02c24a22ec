using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;

namespace Converge.Server.Security;

/// <summary>
/// Options of the Converge bearer-token handler: the token comes from <c>Authorization: Bearer …</c>, or from the
/// <c>access_token</c> query parameter (browsers cannot set headers on WebSocket or EventSource requests).
/// </summary>
public sealed class ConvergeBearerOptions : AuthenticationSchemeOptions
{
    /// <summary>Validates a token and returns its user, or <see langword="null"/> to refuse it (HTTP 401). Required.</summary>
    public Func<string, CancellationToken, ValueTask<ClaimsPrincipal?>>? ValidateToken { get; set; }

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        if (ValidateToken is null)
        {
            throw new InvalidOperationException($"{nameof(ConvergeBearerOptions)}.{nameof(ValidateToken)} is required.");
        }
    }
}
