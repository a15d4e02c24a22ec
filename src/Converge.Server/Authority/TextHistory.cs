using Converge.Model.Documents;
using Converge.Model.Ot;
using Converge.Protocol.Frames;

namespace Converge.Server.Authority;

/// <summary>
/// The OT half of the authority: per text key, the deltas applied at recent revisions, so that an edit made against an
/// older revision can be transformed over everything applied since (history wins ties, as <see cref="OtClient"/> and
/// the .NET client's rebase assume) and stored against the revision it then applies to; and per author and text the
/// bridges of its recent edits, so an edit made on top of the author's own unacknowledged edit (<see cref="EditText.After"/>)
/// is placed exactly, however the server numbered and transformed the earlier one (Jupiter's two-dimensional state
/// space, kept on the server). Bounded per key; an edit older than what is kept is refused as stale. Bridges that fall
/// behind the kept history are swept as it moves on, so authors who left cost nothing in a long-lived document. Used
/// only from the authority's single reader.
/// </summary>
internal sealed class TextHistory(int maxPerKey)
{
    // Enough for a client's edits in flight at once; an edit chained on an older one than this is refused as stale.
    private const int BridgesPerAuthor = 64;

    private readonly Dictionary<string, (long Start, List<TextDelta> Deltas)> _keys = new(StringComparer.Ordinal);
    // Per text key, per author: the bridges of the author's recent edits of that text.
    private readonly Dictionary<string, Dictionary<string, List<Bridge>>> _bridges = new(StringComparer.Ordinal);

    /// <summary>The authors with bridges kept, over all texts (for tests and diagnostics).</summary>
    public int AuthorsWithBridges => _bridges.Values.Sum(static authors => authors.Count);

    /// <summary>
    /// Rewrites the text edits of a change against <paramref name="state"/> and applies the change; null (with the
    /// reason) when an edit cannot be placed. The deltas applied are recorded: call <see cref="Forget"/> if the change
    /// is then refused for another reason.
    /// </summary>
    public (IReadOnlyList<DocumentOperation> Operations, JsonMap State)? Rebase(ClientChange change, JsonMap state, out string? problem)
    {
        problem = null;
        var operations = change.Operations;
        if (!operations.Any(static o => o is EditText))
        {
            return (operations, state.Apply(operations));
        }

        var rewritten = new DocumentOperation[operations.Count];
        var current = state;
        for (var i = 0; i < operations.Count; i++)
        {
            var operation = operations[i];
            if (operation is EditText edit)
            {
                var revision = current.GetTextRevision(edit.Key);
                if (Place(change.ClientId, edit, revision, out problem) is not { } placed)
                {
                    Forget(state);
                    return null;
                }

                // An edit based on the current revision is not transformed at all, so nothing above checked that it
                // fits: acknowledging an edit the state then skips would break the author's chain silently.
                var length = current.GetText(edit.Key).EnumerateRunes().Count();
                if (placed.Delta.BaseLength != length)
                {
                    problem = $"The edit of '{edit.Key}' is made for a text of {placed.Delta.BaseLength} code points; at revision {revision} it has {length}; reload the text.";
                    Forget(state);
                    return null;
                }

                operation = edit with { Delta = placed.Delta, Revision = revision, After = null, Bridge = placed.Bridge };
            }

            rewritten[i] = operation;
            current = Replay(current, change.ClientId, change.ClientSeq, [operation]);
        }

        return (rewritten, current);
    }

    /// <summary>Applies operations (from the log, or rewritten) and records the text deltas and bridges that took effect.</summary>
    public JsonMap Replay(JsonMap state, string clientId, long clientSeq, IReadOnlyList<DocumentOperation> operations)
    {
        foreach (var operation in operations)
        {
            var before = operation is EditText ? state.GetTextRevision(operation.Key) : 0;
            state = state.Apply([operation]);
            if (operation is EditText edit && state.GetTextRevision(edit.Key) == before + 1)
            {
                Record(edit.Key, before, edit.Delta);
                Remember(clientId, edit.Key, new Bridge(clientSeq, before + 1, edit.Bridge));
            }
        }

        return state;
    }

    /// <summary>
    /// Records the text edits of a logged change by the revisions they were logged at, without a state to apply them
    /// to (the log before a checkpoint). Follow with <see cref="Align"/>: an edit that did not take effect (a field of
    /// the other kind) may have been recorded.
    /// </summary>
    public void Recall(string clientId, long clientSeq, IReadOnlyList<DocumentOperation> operations)
    {
        foreach (var operation in operations)
        {
            if (operation is EditText edit)
            {
                Record(edit.Key, edit.Revision, edit.Delta);
                Remember(clientId, edit.Key, new Bridge(clientSeq, edit.Revision + 1, edit.Bridge));
            }
        }
    }

    /// <summary>Keeps only the recalled history that leads exactly to the revisions of <paramref name="state"/>.</summary>
    public void Align(JsonMap state)
    {
        foreach (var key in _keys.Keys.ToArray())
        {
            var (start, deltas) = _keys[key];
            if (start + deltas.Count != state.GetTextRevision(key))
            {
                _keys.Remove(key);
            }
        }

        Forget(state);
    }

    /// <summary>Drops recorded deltas and bridges past what <paramref name="state"/> holds (after a refusal or a failed commit).</summary>
    public void Forget(JsonMap state)
    {
        foreach (var key in _keys.Keys.ToArray())
        {
            var (start, deltas) = _keys[key];
            var keep = state.GetTextRevision(key) - start;
            if (keep <= 0)
            {
                _keys.Remove(key);
            }
            else if (keep < deltas.Count)
            {
                deltas.RemoveRange((int)keep, deltas.Count - (int)keep);
            }
        }

        foreach (var key in _bridges.Keys.ToArray())
        {
            var revision = state.GetTextRevision(key);
            Sweep(key, b => b.Revision > revision);
        }
    }

    // The edit's delta moved along the server's path from the text the author edited to the text at `revision`, and
    // each step of the path moved past the edit: the author's bridge from now on.
    private (TextDelta Delta, IReadOnlyList<TextBridgeStep>? Bridge)? Place(string clientId, EditText edit, long revision, out string? problem)
    {
        problem = null;
        if (edit.Revision > revision)
        {
            problem = $"The edit of '{edit.Key}' is based on text revision {edit.Revision}; the server is at {revision}.";
            return null;
        }

        // The author's text: the server's at edit.Revision, or, when chained, the previous edit's text moved along the
        // server edits the author had seen when it made this one (the bridge steps before edit.Revision).
        IEnumerable<TextBridgeStep> start = [];
        var from = edit.Revision;
        if (edit.After is { } after)
        {
            var bridges = _bridges.GetValueOrDefault(edit.Key)?.GetValueOrDefault(clientId);
            var bridge = bridges?.FindLast(b => b.ClientSeq == after);
            if (bridge is null)
            {
                var remembered = bridges is { Count: > 0 } ? $"; it keeps your changes {bridges[0].ClientSeq}–{bridges[^1].ClientSeq} of this text" : "";
                problem = $"The edit of '{edit.Key}' builds on change {after}, which the server has no record of (rejected, or older than it keeps{remembered}); reload the text.";
                return null;
            }

            if (edit.Revision < bridge.Revision)
            {
                start = bridge.Steps.Where(step => step.Revision >= edit.Revision);
                from = bridge.Revision;
            }
        }

        if (from < revision && (!_keys.TryGetValue(edit.Key, out var kept) || from < kept.Start || kept.Start + kept.Deltas.Count != revision))
        {
            problem = $"The edit of '{edit.Key}' is based on text revision {from}, older than the {maxPerKey} revisions the server keeps; reload the text.";
            return null;
        }

        var path = start.Concat(Enumerable.Range(0, (int)(revision - from)).Select(i => new TextBridgeStep(from + i, _keys[edit.Key].Deltas[(int)(from + i - _keys[edit.Key].Start)])));
        var delta = edit.Delta;
        var steps = new List<TextBridgeStep>();
        try
        {
            foreach (var step in path)
            {
                (delta, var past) = TextDelta.Transform(delta, step.Delta, TieBreak.RightFirst);
                if (!past.IsIdentity)
                {
                    steps.Add(step with { Delta = past });
                }
            }
        }
        catch (InvalidTextDeltaException ex)
        {
            problem = $"The edit of '{edit.Key}' does not fit the text it claims to be based on (revision {edit.Revision}{(edit.After is { } a ? $" after change {a}" : "")}): {ex.Message}";
            return null;
        }

        return (delta, steps.Count == 0 ? null : steps);
    }

    private void Record(string key, long revision, TextDelta delta)
    {
        if (!_keys.TryGetValue(key, out var history) || history.Start + history.Deltas.Count != revision)
        {
            history = (revision, []);
        }

        history.Deltas.Add(delta);
        if (history.Deltas.Count > maxPerKey)
        {
            history.Deltas.RemoveAt(0);
            history = (history.Start + 1, history.Deltas);

            // Once per full turn of the kept history: whatever every author's bridges hold from before it leads nowhere.
            // The authors still editing prune their own on each edit; this reaches those who stopped.
            if (history.Start % maxPerKey == 0)
            {
                var start = history.Start;
                Sweep(key, b => b.Revision < start);
            }
        }

        _keys[key] = history;
    }

    // Drops the bridges of one text that match, and the authors left with none.
    private void Sweep(string key, Predicate<Bridge> drop)
    {
        if (!_bridges.TryGetValue(key, out var authors))
        {
            return;
        }

        foreach (var (clientId, bridges) in authors.ToArray())
        {
            bridges.RemoveAll(drop);
            if (bridges.Count == 0)
            {
                authors.Remove(clientId);
            }
        }

        if (authors.Count == 0)
        {
            _bridges.Remove(key);
        }
    }

    private void Remember(string clientId, string key, Bridge bridge)
    {
        if (!_bridges.TryGetValue(key, out var authors))
        {
            _bridges[key] = authors = new(StringComparer.Ordinal);
        }

        if (!authors.TryGetValue(clientId, out var bridges))
        {
            authors[clientId] = bridges = [];
        }

        bridges.Add(bridge);
        // A bridge from before the kept history leads nowhere: the rest of the path to the head is gone.
        if (_keys.TryGetValue(key, out var history))
        {
            bridges.RemoveAll(b => b.Revision < history.Start);
        }

        if (bridges.Count > BridgesPerAuthor)
        {
            bridges.RemoveAt(0);
        }
    }

    // After the author's edit `ClientSeq`, applied as text revision `Revision - 1`: the server edits it had not seen,
    // moved past it (none: null).
    private sealed record Bridge(long ClientSeq, long Revision, IReadOnlyList<TextBridgeStep>? Delta)
    {
        public IReadOnlyList<TextBridgeStep> Steps => Delta ?? [];
    }
}
