using System.Security.Claims;

namespace Converge.Server.Security;

/// <summary>
/// Decides what a user may do with a document. Called on every subscribe (including a hello's subscriptions) and on
/// every push, so it should be fast (cache in the app if it needs I/O). The default allows everything.
/// </summary>
public interface IDocumentAuthorizer
{
    /// <summary>The access <paramref name="user"/> has to <paramref name="documentId"/>.</summary>
    /// <param name="user">The authenticated user (anonymous when the endpoint does not require authentication).</param>
    /// <param name="documentId">The document.</param>
    /// <param name="cancellationToken">Cancelled when the request is abandoned.</param>
    ValueTask<DocumentAccess> GetAccessAsync(ClaimsPrincipal user, string documentId, CancellationToken cancellationToken);
}
