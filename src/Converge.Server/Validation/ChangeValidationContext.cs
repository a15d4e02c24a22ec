using System.Security.Claims;
using Converge.Model.Documents;

namespace Converge.Server.Validation;

/// <summary>What an <see cref="IChangeValidator"/> sees of a change.</summary>
/// <param name="DocumentId">The document.</param>
/// <param name="ClientId">The author's client id.</param>
/// <param name="User">The author's authenticated user (anonymous when the endpoint does not require authentication).</param>
/// <param name="State">The document as the change would find it: every earlier accepted change applied.</param>
/// <param name="Operations">The change's operations, already structurally valid.</param>
public sealed record ChangeValidationContext(string DocumentId, string ClientId, ClaimsPrincipal User, JsonMap State, IReadOnlyList<DocumentOperation> Operations);
