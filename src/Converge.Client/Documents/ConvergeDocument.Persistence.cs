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

            foreach (var change in stored.Outbox)
            {
                var pending = new PendingChange(change.ClientSeq, change.Operations) { Held = change.Held };
                _pending.Add(pending);
                foreach (var edit in pending.Local.OfType<Model.Documents.EditText>())
                {
                    // The text the stored edits were made on is not kept; assume the cached one for the view (exact
                    // unless remote edits were cached after them), and hold new edits of the text until the restored
                    // ones are settled: the server places those by their own forms, which the view may not match.
                    _textBases.TryAdd(edit.Key, new TextBase(-1, _confirmed.GetText(edit.Key), Tainted: true));
                }
            }

            RealignTexts();
            var view = _confirmed;
            foreach (var pending in _pending)
            {
                view = view.Apply(pending.Local);
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
