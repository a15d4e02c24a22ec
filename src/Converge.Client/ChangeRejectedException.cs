using Converge.Model;

namespace Converge.Client;

/// <summary>
/// A change was refused, locally before the optimistic apply (invalid operations) or by the server; either way it
/// is not part of the document and has been rolled back.
/// </summary>
public sealed class ChangeRejectedException : ConvergeException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="errorCode">Machine-readable reason, e.g. <c>invalid_change</c>.</param>
    /// <param name="message">For people.</param>
    /// <param name="clientSequence">The rejected change's client sequence; 0 when it never got one.</param>
    public ChangeRejectedException(string errorCode, string message, long clientSequence)
        : base(errorCode, message)
    {
        ClientSequence = clientSequence;
    }

    /// <summary>The rejected change's client sequence; 0 when it was refused before getting one.</summary>
    public long ClientSequence { get; }
}
