using Converge.Client.Storage;

namespace Converge.Client.Documents;

// The document's side of the local store (Storage/): restoring from it, and handing it consistent snapshots.
// Kept apart from ConvergeDocument.cs, which only calls _journal at the points where state changes.
public sealed partial class ConvergeDocument
{
    private DocumentJournal? _journal;

    /// <summary>
    /// Restores what the store kept: the client sequence counter always; the cached confirmed state when there is one
    /// (then the document is <see cref="DocumentStatus.Stale"/> until the server confirms it); the outbox as pending
    /// changes on top, to be sent again on the next connection. From now on every change goes through
    /// <paramref name="journal"/>. Called once, before the document is shared.
    /// </summary>
    internal void Restore(StoredDocument stored, DocumentJournal journal)
    {
        lock (_gate)
        {
            _journal = journal;
            journal.Bind(CaptureForStore);
            _lastClientSeq = Math.Max(_lastClientSeq, stored.NextClientSeq - 1);
            if (stored.Snapshot is { } snapshot)
            {
                _confirmed = snapshot.State;
                _sequence = snapshot.Sequence;
                Status = DocumentStatus.Stale;
            }

            var view = _confirmed;
            foreach (var change in stored.Outbox)
            {
                _pending.Add(new PendingChange(change.ClientSeq, change.Operations));
                view = view.Apply(change.Operations);
            }

            _view = view;
        }
    }

    private SnapshotCapture CaptureForStore()
    {
        lock (_gate)
        {
            return new SnapshotCapture(_confirmed, _sequence, Status != DocumentStatus.Loading, _journal?.TakeSettled() ?? []);
        }
    }
}
