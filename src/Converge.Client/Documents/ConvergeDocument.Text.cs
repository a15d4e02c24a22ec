using Converge.Model.Documents;
using Converge.Model.Ot;
using Converge.Protocol;

namespace Converge.Client.Documents;

// Collaborative text (OT) on the client. Edits go to the server exactly as made: the first pending edit of a text
// against the confirmed revision, each later one chained on the previous (EditText.After), and the server places them
// through the bridges it keeps. Only the local view needs rebasing: each pending edit's local form is moved over every
// remote edit of its text (exactly, remote first on ties, as the server orders them) and over any jump of the
// confirmed text (a snapshot, an acknowledged edit in a form we did not predict) by a diff of the two texts.
// A diff is a correct path between two texts but not necessarily the server's, so after a jump the view no longer
// matches what the server would make of a chained edit: edits made then are held (not sent) until every edit of the
// text from before the jump is settled, and then sent against the confirmed text, as their realigned local forms.
public sealed partial class ConvergeDocument
{
    // Per text with pending edits: the text the first pending edit's local form applies to, and the confirmed revision
    // it is (-1: changed outside the line of remote edits; realigned before the view is next computed).
    private readonly Dictionary<string, TextBase> _textBases = new(StringComparer.Ordinal);
    private bool _releasedEdits;

    /// <summary>
    /// Edits the collaborative text at <paramref name="key"/> (OT, see <see cref="EditText"/>): at
    /// <paramref name="position"/> (code points), delete <paramref name="deleteCount"/> and insert <paramref name="insert"/>.
    /// Visible at once; remote edits that the server orders first are merged into it, never lost.
    /// </summary>
    /// <param name="key">The text's key; read it with <c>State.GetText(key)</c>.</param>
    /// <param name="position">Where, in code points of the current text (<see cref="State"/>).</param>
    /// <param name="deleteCount">Code points to delete there.</param>
    /// <param name="insert">Text to insert there.</param>
    /// <param name="cancellationToken">Cancels the call (not the change, once applied).</param>
    /// <exception cref="ArgumentOutOfRangeException">The edit does not fit the current text.</exception>
    public ValueTask<ChangeReceipt> EditTextAsync(string key, int position, int deleteCount, string insert, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(insert);
        return ApplyAsync(view => [new EditText(key, TextDelta.ForEdit(view.GetText(key).EnumerateRunes().Count(), position, deleteCount, insert), 0)], cancellationToken);
    }

    /// <summary>
    /// Edits the CRDT text at <paramref name="key"/> (see <see cref="EditCrdtText"/>): at <paramref name="position"/>
    /// (code points), delete <paramref name="deleteCount"/> and insert <paramref name="insert"/>. Visible at once; merges
    /// with concurrent edits without any transformation, in any order. Use it for a field instead of
    /// <see cref="EditTextAsync"/> (a field is one or the other: an edit of the other kind is skipped on it).
    /// </summary>
    /// <param name="key">The text's key; read it with <c>State.GetText(key)</c>.</param>
    /// <param name="position">Where, in code points of the current text (<see cref="State"/>).</param>
    /// <param name="deleteCount">Code points to delete there.</param>
    /// <param name="insert">Text to insert there.</param>
    /// <param name="cancellationToken">Cancels the call (not the change, once applied).</param>
    /// <exception cref="ArgumentOutOfRangeException">The edit does not fit the current text.</exception>
    /// <exception cref="ChangeRejectedException">The edit changes nothing (<c>invalid_change</c>).</exception>
    public ValueTask<ChangeReceipt> EditCrdtTextAsync(string key, int position, int deleteCount, string insert, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(insert);
        return ApplyAsync(view =>
        {
            // A copy of the text as this client's replica: its next operations follow the ones already in the view.
            var text = view.GetCrdtText(key, _clientId);
            var operations = new List<Model.Text.TextOperation>(2);
            if (deleteCount > 0 && text.Delete(position, deleteCount) is { } deletion)
            {
                operations.Add(deletion);
            }

            if (text.Insert(position, insert) is { } insertion)
            {
                operations.Add(insertion);
            }

            return operations.Count == 0 ? [] : [new EditCrdtText(key, Model.Text.TextOperationCodec.Encode(operations))];
        }, cancellationToken);
    }

    /// <summary>The view's form of operations: text edits without the wire-only fields.</summary>
    internal static IReadOnlyList<DocumentOperation> LocalForms(IReadOnlyList<DocumentOperation> operations) =>
        operations.Any(static o => o is EditText)
            ? operations.Select(static o => o is EditText edit ? edit with { After = null, Bridge = null } : o).ToArray()
            : operations;

    // Must hold _gate. Gives a new change's text edits their wire form (revision of the confirmed text, or chained on our
    // previous pending edit of the same text) and their local form (the view's revision).
    private (DocumentOperation[] Sent, DocumentOperation[] Local, bool Hold) PrepareTextEdits(DocumentOperation[] operations)
    {
        if (!operations.Any(static o => o is EditText))
        {
            return (operations, operations, false);
        }

        var hold = false;
        var sent = operations.ToArray();
        var local = operations.ToArray();
        var view = _view;
        for (var i = 0; i < operations.Length; i++)
        {
            if (operations[i] is not EditText edit)
            {
                view = view.Apply([operations[i]]);
                continue;
            }

            var length = view.GetText(edit.Key).EnumerateRunes().Count();
            if (edit.Delta.BaseLength != length)
            {
                throw new ChangeRejectedException(ErrorCodes.InvalidChange,
                    $"The edit of '{edit.Key}' is made for a text of {edit.Delta.BaseLength} code points; the text has {length}.", 0);
            }

            var previous = _pending.FindLast(p => p.EditsText(edit.Key));
            hold |= _textBases.TryGetValue(edit.Key, out var chain) && chain.Tainted;
            sent[i] = edit with { Revision = _confirmed.GetTextRevision(edit.Key), After = previous?.ClientSeq, Bridge = null };
            local[i] = edit with { Revision = view.GetTextRevision(edit.Key), After = null, Bridge = null };
            view = view.Apply([local[i]]);
        }

        return (sent, local, hold);
    }

    // Must hold _gate. A change joined the pending list: texts it starts a chain on get their base.
    private void StartTextChains(PendingChange change)
    {
        foreach (var edit in change.Local.OfType<EditText>())
        {
            if (!_textBases.ContainsKey(edit.Key))
            {
                _textBases[edit.Key] = new TextBase(_confirmed.GetTextRevision(edit.Key), _confirmed.GetText(edit.Key));
            }
        }
    }

    // Must hold _gate. A pending change left the chain (settled or rejected): the rest of the chain was made on top of
    // its local form, so that is their base now, until realigned with the confirmed text.
    private void LeaveTextChains(PendingChange change)
    {
        if (change.Included)
        {
            return; // Left when it was found included.
        }

        foreach (var edit in change.Local.OfType<EditText>())
        {
            if (_textBases.TryGetValue(edit.Key, out var textBase))
            {
                var text = edit.Delta.BaseLength == textBase.Text.EnumerateRunes().Count() ? edit.Delta.Apply(textBase.Text) : textBase.Text;
                _textBases[edit.Key] = textBase with { Revision = -1, Text = text };
            }
        }
    }

    // Must hold _gate. A remote edit was just applied to the confirmed text at `revision`.
    private void OnRemoteTextEdit(EditText remote, long revision)
    {
        if (_textBases.TryGetValue(remote.Key, out var textBase) && textBase.Revision == revision)
        {
            MoveChain(remote.Key, remote.Delta);
            _textBases[remote.Key] = textBase with { Revision = revision + 1, Text = _confirmed.GetText(remote.Key) };
            Relabel(remote.Key, revision + 1);
        }
    }

    // Must hold _gate; before the view is computed. Chains whose base is not the confirmed text are moved over the
    // difference, and chains with nothing pending are dropped.
    private void RealignTexts()
    {
        foreach (var key in _textBases.Keys.ToArray())
        {
            RealignText(key);
        }
    }

    private void RealignText(string key)
    {
        if (!_textBases.TryGetValue(key, out var textBase))
        {
            return;
        }

        if (!_pending.Exists(p => p.EditsText(key)))
        {
            _textBases.Remove(key);
            return;
        }

        var revision = _confirmed.GetTextRevision(key);
        if (textBase.Revision == revision)
        {
            return;
        }

        var text = _confirmed.GetText(key);
        var tainted = textBase.Tainted;
        if (!string.Equals(textBase.Text, text, StringComparison.Ordinal))
        {
            MoveChain(key, TextDelta.Between(textBase.Text, text));
            tainted |= _pending.Exists(p => p.EditsText(key) && !p.Held);
        }

        _textBases[key] = new TextBase(revision, text, tainted);
        Relabel(key, revision);
    }

    // Each pending edit of the text moved over `delta` (which wins ties, as the server's history does), and `delta`
    // over it for the next. An edit that does not fit stops the move: the view skips it until the server answers.
    private void MoveChain(string key, TextDelta delta)
    {
        foreach (var pending in _pending)
        {
            if (!pending.EditsText(key))
            {
                continue;
            }

            var operations = pending.Local.ToArray();
            for (var i = 0; i < operations.Length; i++)
            {
                if (operations[i] is EditText edit && edit.Key == key)
                {
                    if (edit.Delta.BaseLength != delta.BaseLength)
                    {
                        return;
                    }

                    (var moved, delta) = TextDelta.Transform(edit.Delta, delta, TieBreak.RightFirst);
                    operations[i] = edit with { Delta = moved };
                }
            }

            pending.Local = operations;
        }
    }

    // The local forms' revisions follow on from the confirmed text's, so the view applies them in order.
    private void Relabel(string key, long revision)
    {
        foreach (var pending in _pending)
        {
            if (pending.EditsText(key))
            {
                pending.Local = pending.Local.Select(o => o is EditText edit && edit.Key == key ? edit with { Revision = revision++ } : o).ToArray();
            }
        }
    }

    // Must hold _gate; after realigning. Once a tainted text has no edit from before its jump left, its held edits are
    // given wire forms from their local forms, which now apply to the confirmed text, and may go.
    private void ReleaseHeldEdits()
    {
        foreach (var (key, textBase) in _textBases.ToArray())
        {
            if (!textBase.Tainted || _pending.Exists(p => p.EditsText(key) && !p.Held))
            {
                continue;
            }

            _textBases[key] = textBase with { Tainted = false };
            PendingChange? previous = null;
            foreach (var pending in _pending.Where(p => p.Held && p.EditsText(key)))
            {
                var revision = _confirmed.GetTextRevision(key);
                var after = previous?.ClientSeq;
                pending.Operations = pending.Operations.Zip(pending.Local, (sent, local) =>
                    local is EditText edit && edit.Key == key ? edit with { Revision = revision, After = after } : sent).ToArray();
                previous = pending;
            }
        }

        foreach (var pending in _pending)
        {
            if (pending.Held && !pending.Operations.Zip(pending.Local).Any(o => o.Second is EditText edit && _textBases.TryGetValue(edit.Key, out var b) && b.Tainted))
            {
                pending.Held = false;
                _releasedEdits = true;
                _journal?.Released(pending.ClientSeq, pending.Operations);
            }
        }
    }

    // Outside _gate: sends what ReleaseHeldEdits let go.
    private void FlushReleasedEdits()
    {
        bool flush;
        lock (_gate)
        {
            flush = _releasedEdits && _live;
            _releasedEdits = false;
        }

        if (flush)
        {
            _sink.ScheduleFlush(this);
        }
    }

    // Tainted: the chain was moved over a diff (a jump) while edits sent before it were pending; see the top.
    private sealed record TextBase(long Revision, string Text, bool Tainted = false);
}
