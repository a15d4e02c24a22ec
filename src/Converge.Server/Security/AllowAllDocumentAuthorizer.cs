using System.Security.Claims;

namespace Converge.Server.Security;

/// <summary>The default: every user may read and write every document. Replace it for any multi-tenant app.</summary>
internal sealed class AllowAllDocumentAuthorizer : IDocumentAuthorizer
{
    public ValueTask<DocumentAccess> GetAccessAsync(ClaimsPrincipal user, string documentId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(DocumentAccess.ReadWrite);
}
