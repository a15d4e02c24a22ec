namespace Converge.Model.Ot;

/// <summary>
/// The server side of OT text: the one authoritative text, its revision, and the history of applied deltas. A
/// client's delta, made against some earlier revision, is transformed over every delta applied since, then applied
/// and appended. History deltas win insertion ties, and <see cref="OtClient"/> breaks ties the same way, which is
/// what keeps both sides identical.
/// </summary>
public sealed class OtServerDocument
{
    private readonly CodePointGapBuffer _text;
    private readonly List<TextDelta> _history = [];

    /// <summary>Starts from <paramref name="text"/> at <paramref name="revision"/>, with no history before it.</summary>
    /// <param name="text">The text at that revision.</param>
    /// <param name="revision">Its revision (0 for a new document).</param>
    public OtServerDocument(string text = "", long revision = 0)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegative(revision);
        _ = CodePoints.Count(text, nameof(text));
        _text = new CodePointGapBuffer(text);
        Revision = revision;
        HistoryStart = revision;
    }

    /// <summary>How many deltas were applied in all; the revision a client is at once it has them all.</summary>
    public long Revision { get; private set; }

    /// <summary>The oldest revision a client's delta may still be based on (history before it was trimmed).</summary>
    public long HistoryStart { get; private set; }

    /// <summary>The text's length in code points.</summary>
    public int Length => _text.Length;

    /// <summary>The current text (built on each call).</summary>
    public string Text => _text.ToString();

    /// <summary>
    /// Accepts a client's <paramref name="delta"/> made against <paramref name="baseRevision"/>: transforms it over
    /// the history since then, applies it, and returns what was applied — send that to every other client, and an
    /// acknowledgement to the author.
    /// </summary>
    /// <param name="baseRevision">The revision the client's text was at when it made the delta.</param>
    /// <param name="delta">The client's delta.</param>
    /// <returns>The delta as applied at revision <see cref="Revision"/> − 1.</returns>
    /// <exception cref="InvalidTextDeltaException">The revision is unknown or trimmed, or the delta does not fit that revision's text. Nothing changed.</exception>
    public TextDelta Receive(long baseRevision, TextDelta delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        if (baseRevision > Revision || baseRevision < HistoryStart)
        {
            throw new InvalidTextDeltaException(
                $"A delta based on revision {baseRevision} cannot be applied: the server has revisions {HistoryStart} to {Revision}; reload the text.");
        }

        for (var i = (int)(baseRevision - HistoryStart); i < _history.Count; i++)
        {
            delta = TextDelta.Transform(delta, _history[i], TieBreak.RightFirst).Left;
        }

        if (delta.BaseLength != _text.Length)
        {
            throw new InvalidTextDeltaException($"The delta applies to {delta.BaseLength} code points; revision {Revision} has {_text.Length}.");
        }

        _text.Apply(delta);
        _history.Add(delta);
        Revision++;
        return delta;
    }

    /// <summary>Forgets history before <paramref name="revision"/>; deltas based on older revisions are refused from then on.</summary>
    /// <param name="revision">The oldest revision to keep accepting deltas against (at most <see cref="Revision"/>).</param>
    public void TrimHistory(long revision)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(revision, Revision);
        if (revision <= HistoryStart)
        {
            return;
        }

        _history.RemoveRange(0, (int)(revision - HistoryStart));
        HistoryStart = revision;
    }
}
