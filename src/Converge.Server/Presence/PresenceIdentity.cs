using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Converge.Protocol.Frames;
using Converge.Server.Sessions;

namespace Converge.Server.Presence;

/// <summary>Who a session is, for presence: one user however many connections (tabs, devices) they have.</summary>
internal static class PresenceIdentity
{
    /// <summary>
    /// The authenticated user (<c>NameIdentifier</c>, else <c>Identity.Name</c>, as for HTTP session ownership); when the
    /// session is anonymous, its client id, so each anonymous replica is a user of its own.
    /// </summary>
    public static (string UserId, bool Authenticated) Of(ServerSession session)
    {
        var user = session.User;
        if (user.Identity?.IsAuthenticated == true
            && (user.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? user.Identity.Name) is { Length: > 0 } id)
        {
            // Ids longer than the wire allows keep their identity through a digest rather than collide when cut.
            return (id.Length <= PresenceUserState.MaxUserIdLength ? id : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id))), true);
        }

        return (session.ClientId!, false);
    }
}
