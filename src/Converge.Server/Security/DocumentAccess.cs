namespace Converge.Server.Security;

/// <summary>What a user may do with a document.</summary>
[Flags]
public enum DocumentAccess
{
    /// <summary>Nothing: the document's data never reaches the session.</summary>
    None = 0,

    /// <summary>Subscribe: snapshots, replays and live changes.</summary>
    Read = 1,

    /// <summary>Push changes.</summary>
    Write = 2,

    /// <summary>Both.</summary>
    ReadWrite = Read | Write,
}
