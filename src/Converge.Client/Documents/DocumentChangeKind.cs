namespace Converge.Client.Documents;

/// <summary>What made a document's state change.</summary>
public enum DocumentChangeKind
{
    /// <summary>A local mutation, applied optimistically.</summary>
    Local,

    /// <summary>Changes from other clients (or a replay) were applied; pending local changes were rebased on top.</summary>
    Remote,

    /// <summary>A full snapshot replaced the confirmed state.</summary>
    Snapshot,

    /// <summary>The server acknowledged local changes: they moved from pending to confirmed.</summary>
    Acknowledged,

    /// <summary>The server rejected a local change, which was rolled back.</summary>
    RolledBack,

    /// <summary>The document became ready (fully synced).</summary>
    Synced,
}
