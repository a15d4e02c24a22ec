using Converge.Model;

namespace Converge.Client.Presence;

/// <summary>
/// Presence in a document was refused — by the server (<c>forbidden</c>: no read access; <c>presence_too_large</c>;
/// <c>presence_limit</c>) or by the client before sending (<c>presence_too_large</c>). Nothing of it took effect.
/// </summary>
public sealed class PresenceRejectedException : ConvergeException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="errorCode">Machine-readable reason (<see cref="Protocol.ErrorCodes"/>).</param>
    /// <param name="message">For people.</param>
    /// <param name="documentId">The document.</param>
    public PresenceRejectedException(string errorCode, string message, string documentId)
        : base(errorCode, message)
    {
        DocumentId = documentId;
    }

    /// <summary>The document whose presence was refused.</summary>
    public string DocumentId { get; }
}
