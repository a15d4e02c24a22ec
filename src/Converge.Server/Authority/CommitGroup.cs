using Converge.Protocol.Frames;
using Converge.Server.Sessions;

namespace Converge.Server.Authority;

/// <summary>
/// The changes an authority accepted since its last commit, and the answers owed to sessions, in order.
/// Everything in a group becomes durable in one transaction (group commit) before any of it is answered.
/// </summary>
internal sealed class CommitGroup
{
    private readonly List<Entry> _entries = [];
    private readonly List<ServerChange> _changes = [];
    private readonly Dictionary<string, ClientProgress?> _undo = new(StringComparer.Ordinal);

    public IReadOnlyList<Entry> Entries => _entries;

    /// <summary>The accepted changes, contiguous and ascending.</summary>
    public IReadOnlyList<ServerChange> Changes => _changes;

    public bool IsEmpty => _entries.Count == 0;

    public void Accept(ServerSession origin, ServerChange change, ClientProgress? previousProgress)
    {
        _entries.Add(new Entry(origin, change, null));
        _changes.Add(change);
        _undo.TryAdd(change.ClientId, previousProgress);
    }

    /// <summary>An answer that needs no commit (a duplicate's ack, a rejection), kept in order with the rest.</summary>
    public void Answer(ServerSession session, Frame frame) => _entries.Add(new Entry(session, null, frame));

    /// <summary>The sequence an accepted-but-uncommitted change in this group was given.</summary>
    public long? FindSequence(string clientId, long clientSeq) =>
        _changes.FirstOrDefault(c => c.ClientSeq == clientSeq && c.ClientId == clientId)?.Sequence;

    /// <summary>
    /// A client's progress as far as the committed state goes: as it was before this group when the group has changes of
    /// the client, else <paramref name="current"/>'s (null: none of its changes is committed).
    /// </summary>
    public ClientProgress? CommittedProgress(string clientId, IReadOnlyDictionary<string, ClientProgress> current) =>
        _undo.TryGetValue(clientId, out var before) ? before : current.TryGetValue(clientId, out var progress) ? progress : null;

    /// <summary>Client progress as it was before this group, to restore when the commit fails.</summary>
    public IEnumerable<KeyValuePair<string, ClientProgress?>> UndoLog => _undo;

    public void Clear()
    {
        _entries.Clear();
        _changes.Clear();
        _undo.Clear();
    }

    /// <summary>Either an accepted change (<see cref="Change"/>) or a ready answer (<see cref="Answer"/>).</summary>
    internal readonly record struct Entry(ServerSession Session, ServerChange? Change, Frame? Answer);
}
