namespace Converge.Client.Documents;

/// <summary>Whether a document's state may be shown (the article's Notion rule: never partial state).</summary>
public enum DocumentStatus
{
    /// <summary>Subscribed, snapshot or replay still arriving: <see cref="ConvergeDocument.State"/> is not complete yet.</summary>
    Loading,

    /// <summary>Fully synced at least once on this connection; live changes follow.</summary>
    Ready,

    /// <summary>
    /// Showing the state cached in the local store (<see cref="ConvergeClientOptions.LocalStore"/>), with pending local
    /// changes on top, until the server has confirmed it is current: complete as of its cached sequence, but possibly
    /// behind. Mutations work as usual. Becomes <see cref="Ready"/> once the document has synced.
    /// </summary>
    Stale,
}
