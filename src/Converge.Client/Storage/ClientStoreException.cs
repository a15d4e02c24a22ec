using Converge.Model;

namespace Converge.Client.Storage;

/// <summary>
/// The local store (<see cref="LocalStoreOptions"/>) failed. <see cref="ConvergeException.ErrorCode"/> says how:
/// <see cref="Unavailable"/>, <see cref="InUse"/>, <see cref="IdentityMismatch"/>, <see cref="WriteFailed"/> or
/// <see cref="Corrupt"/>.
/// </summary>
public sealed class ClientStoreException : ConvergeException
{
    /// <summary>The file cannot be opened or is not a Converge store (not SQLite, another schema, unreadable).</summary>
    public const string Unavailable = "store_unavailable";

    /// <summary>Another client, in this process or another, has the file open: one store belongs to one client.</summary>
    public const string InUse = "store_in_use";

    /// <summary><see cref="ConvergeClientOptions.ClientId"/> differs from the identity the store was made for.</summary>
    public const string IdentityMismatch = "store_identity_mismatch";

    /// <summary>A change could not be written durably, so it was not applied (disk full, I/O error).</summary>
    public const string WriteFailed = "store_write_failed";

    /// <summary>
    /// A stored row could not be decoded. Never thrown to the app: the row is dropped, this is logged, and the
    /// document is downloaded again from the server.
    /// </summary>
    public const string Corrupt = "store_corrupt";

    /// <summary>Creates the exception.</summary>
    /// <param name="errorCode">One of the codes above.</param>
    /// <param name="message">What went wrong, for people.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    public ClientStoreException(string errorCode, string message, Exception? innerException = null)
        : base(errorCode, message, innerException)
    {
    }
}
