using Converge.Model.Documents;

namespace Converge.Client.Documents;

/// <summary>One consistent state of a document after a change; never an intermediate one.</summary>
public sealed class DocumentChangedEventArgs : EventArgs
{
    internal DocumentChangedEventArgs(DocumentChangeKind kind, JsonMap state, long sequence, int pendingCount, DocumentStatus status)
    {
        Kind = kind;
        State = state;
        Sequence = sequence;
        PendingCount = pendingCount;
        Status = status;
    }

    /// <summary>What caused the change.</summary>
    public DocumentChangeKind Kind { get; }

    /// <summary>The state to show: confirmed state with pending local changes applied on top. Immutable.</summary>
    public JsonMap State { get; }

    /// <summary>The server sequence the confirmed state includes.</summary>
    public long Sequence { get; }

    /// <summary>Local changes not yet acknowledged.</summary>
    public int PendingCount { get; }

    /// <summary>Whether the document is ready.</summary>
    public DocumentStatus Status { get; }
}
