using Converge.Model.Documents;
using Converge.Model.Ot;

namespace Converge.Server.Authority;

/// <summary>
/// The OT half of the authority: per text key, the deltas applied at recent revisions, so that an edit made against an
/// older revision can be transformed over everything applied since (history wins ties, as <see cref="OtClient"/> and
/// the .NET client's rebase assume) and stored against the revision it then applies to. Bounded per key; an edit
/// older than what is kept is refused as stale. Used only from the authority's single reader.
/// </summary>
internal sealed class TextHistory(int maxPerKey)
{
    private readonly Dictionary<string, (long Start, List<TextDelta> Deltas)> _keys = new(StringComparer.Ordinal);

    /// <summary>
    /// Rewrites the text edits of a change against <paramref name="state"/> and applies the change; null (with the
    /// reason) when an edit cannot be placed. The deltas applied are recorded: call <see cref="Forget"/> if the change
    /// is then refused for another reason.
    /// </summary>
    public (IReadOnlyList<DocumentOperation> Operations, JsonMap State)? Rebase(IReadOnlyList<DocumentOperation> operations, JsonMap state, out string? problem)
    {
        problem = null;
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
                if (Transform(edit, revision, out problem) is not { } delta)
                {
                    Forget(state);
                    return null;
                }

                operation = edit with { Delta = delta, Revision = revision };
            }

            rewritten[i] = operation;
            current = Replay(current, [operation]);
        }

        return (rewritten, current);
    }

    /// <summary>Applies operations (from the log, or rewritten) and records the text deltas that took effect.</summary>
    public JsonMap Replay(JsonMap state, IReadOnlyList<DocumentOperation> operations)
    {
        foreach (var operation in operations)
        {
            var before = operation is EditText ? state.GetTextRevision(operation.Key) : 0;
            state = state.Apply([operation]);
            if (operation is EditText edit && state.GetTextRevision(edit.Key) == before + 1)
            {
                Record(edit.Key, before, edit.Delta);
            }
        }

        return state;
    }

    /// <summary>Drops recorded deltas past what <paramref name="state"/> holds (after a refusal or a failed commit).</summary>
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
    }

    private TextDelta? Transform(EditText edit, long revision, out string? problem)
    {
        problem = null;
        if (edit.Revision > revision)
        {
            problem = $"The edit of '{edit.Key}' is based on text revision {edit.Revision}; the server is at {revision}.";
            return null;
        }

        var delta = edit.Delta;
        if (edit.Revision == revision)
        {
            return delta;
        }

        if (!_keys.TryGetValue(edit.Key, out var history) || edit.Revision < history.Start || history.Start + history.Deltas.Count != revision)
        {
            problem = $"The edit of '{edit.Key}' is based on text revision {edit.Revision}, older than the {maxPerKey} revisions the server keeps; reload the text.";
            return null;
        }

        try
        {
            for (var r = edit.Revision; r < revision; r++)
            {
                delta = TextDelta.Transform(delta, history.Deltas[(int)(r - history.Start)], TieBreak.RightFirst).Left;
            }
        }
        catch (InvalidTextDeltaException ex)
        {
            problem = $"The edit of '{edit.Key}' does not fit text revision {edit.Revision}: {ex.Message}";
            return null;
        }

        return delta;
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
        }

        _keys[key] = history;
    }
}
