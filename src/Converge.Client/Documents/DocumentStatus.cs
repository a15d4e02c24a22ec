namespace Converge.Client.Documents;

/// <summary>Whether a document's state may be shown (the article's Notion rule: never partial state).</summary>
public enum DocumentStatus
{
    /// <summary>Subscribed, snapshot or replay still arriving: <see cref="ConvergeDocument.State"/> is not complete yet.</summary>
    Loading,

    /// <summary>Fully synced at least once on this connection; live changes follow.</summary>
    Ready,
}
