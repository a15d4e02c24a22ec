namespace Converge.Model.Ot;

/// <summary>
/// The client side of OT text: the local text and the synchronized / awaiting-ack / awaiting-with-buffer state
/// machine. At most one delta is in flight; edits made meanwhile are composed into one buffered delta, and deltas from
/// the server are transformed over both before they are applied, so local typing never waits for the network.
/// Not thread-safe: drive it from one place (the document's event loop).
/// </summary>
public sealed class OtClient
{
    private readonly CodePointGapBuffer _text;

    /// <summary>Starts synchronized at <paramref name="revision"/> with <paramref name="text"/>.</summary>
    /// <param name="text">The server's text at that revision.</param>
    /// <param name="revision">The server revision.</param>
    public OtClient(string text, long revision)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegative(revision);
        _ = CodePoints.Count(text, nameof(text));
        _text = new CodePointGapBuffer(text);
        Revision = revision;
    }

    /// <summary>The last server revision this client has seen (its own acknowledged deltas included).</summary>
    public long Revision { get; private set; }

    /// <summary>Where the state machine is.</summary>
    public OtClientState State => Buffer is not null ? OtClientState.AwaitingWithBuffer
        : Outstanding is not null ? OtClientState.AwaitingAck
        : OtClientState.Synchronized;

    /// <summary>The delta sent and not yet acknowledged, if any.</summary>
    public TextDelta? Outstanding { get; private set; }

    /// <summary>Local edits made while <see cref="Outstanding"/> is in flight, composed into one, if any.</summary>
    public TextDelta? Buffer { get; private set; }

    /// <summary>The local text's length in code points.</summary>
    public int Length => _text.Length;

    /// <summary>The local text, with every local edit applied (built on each call).</summary>
    public string Text => _text.ToString();

    /// <summary>Applies a local edit: at <paramref name="position"/>, delete <paramref name="deleteCount"/> code points and insert <paramref name="insert"/>.</summary>
    /// <param name="position">Where, in code points.</param>
    /// <param name="deleteCount">Code points removed.</param>
    /// <param name="insert">Text inserted.</param>
    /// <returns>What to send now, or <see langword="null"/> when the edit waits in the buffer.</returns>
    public OtOutgoing? Edit(int position, int deleteCount, string insert) =>
        ApplyLocal(TextDelta.ForEdit(_text.Length, position, deleteCount, insert));

    /// <summary>Applies a local delta to the text at once.</summary>
    /// <param name="delta">A delta on the current local text.</param>
    /// <returns>What to send now, or <see langword="null"/> when the delta waits in the buffer.</returns>
    /// <exception cref="InvalidTextDeltaException">The delta does not fit the local text. Nothing changed.</exception>
    public OtOutgoing? ApplyLocal(TextDelta delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        if (delta.BaseLength != _text.Length)
        {
            throw new InvalidTextDeltaException($"The delta applies to {delta.BaseLength} code points; the local text has {_text.Length}.");
        }

        _text.Apply(delta);
        switch (State)
        {
            case OtClientState.Synchronized:
                Outstanding = delta;
                return new OtOutgoing(Revision, delta);
            case OtClientState.AwaitingAck:
                Buffer = delta;
                return null;
            default:
                Buffer = TextDelta.Compose(Buffer!, delta);
                return null;
        }
    }

    /// <summary>The server acknowledged <see cref="Outstanding"/>.</summary>
    /// <returns>The buffered delta to send now, or <see langword="null"/> when nothing waits.</returns>
    /// <exception cref="InvalidOperationException">Nothing was in flight: the server acknowledged something this client never sent.</exception>
    public OtOutgoing? Acknowledge()
    {
        if (Outstanding is null)
        {
            throw new InvalidOperationException("An acknowledgement arrived with no delta in flight.");
        }

        Revision++;
        Outstanding = Buffer;
        Buffer = null;
        return Outstanding is { } next ? new OtOutgoing(Revision, next) : null;
    }

    /// <summary>Applies another client's delta, as the server broadcast it, over the local edits not yet acknowledged.</summary>
    /// <param name="delta">The delta the server applied at <see cref="Revision"/>.</param>
    /// <returns>The delta as applied to the local text (for an editor to mirror).</returns>
    /// <exception cref="InvalidTextDeltaException">The delta does not fit this client's view of the server text. Nothing changed.</exception>
    public TextDelta ApplyRemote(TextDelta delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        // The server applied the remote delta first, so it wins insertion ties here too (TieBreak.RightFirst).
        TextDelta? outstanding = null, buffer = null;
        if (Outstanding is not null)
        {
            (outstanding, delta) = TextDelta.Transform(Outstanding, delta, TieBreak.RightFirst);
        }

        if (Buffer is not null)
        {
            (buffer, delta) = TextDelta.Transform(Buffer, delta, TieBreak.RightFirst);
        }

        if (delta.BaseLength != _text.Length)
        {
            throw new InvalidTextDeltaException($"The delta applies to {delta.BaseLength} code points; the local text has {_text.Length}.");
        }

        _text.Apply(delta);
        Outstanding = outstanding;
        Buffer = buffer;
        Revision++;
        return delta;
    }
}
