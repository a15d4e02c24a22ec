using System.Text.Json;
using Converge.Protocol.Frames;
using Microsoft.Extensions.Logging;

namespace Converge.Server.Presence;

/// <summary>
/// One document's presence, in memory only (the article's "Presence": ephemeral, heartbeat-kept, throttled and
/// batched). One entry per user across all of the user's connections; members (joined sessions) get the room as a
/// snapshot when they join, then as diffs at most one per <see cref="PresenceOptions.BatchInterval"/>, coalesced
/// latest-wins, or as counts once the room is larger than <see cref="PresenceOptions.MaxListedUsers"/>.
/// </summary>
/// <remarks>
/// A lock rather than an actor: every operation is short and synchronous (no I/O, frames go to queues with a
/// non-blocking write), and the batch and expiry timers then act at exactly the moment their clock says, which keeps
/// the room deterministic under a fake <see cref="TimeProvider"/>.
/// </remarks>
internal sealed partial class PresenceRoom : IDisposable
{
    // Departures remembered for members' diffs; past this many the oldest are forgotten and laggards get a snapshot.
    private const int MaxDepartures = 1024;

    private static readonly TimeSpan MinimumFlushDelay = TimeSpan.FromMilliseconds(1);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, RoomUser> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<IPresenceRecipient, RoomMember> _members = new(ReferenceEqualityComparer.Instance);
    private readonly List<(string UserId, long Version)> _departures = [];
    private readonly PresenceOptions _options;
    private readonly TimeProvider _time;
    private readonly long _origin;
    private readonly ITimer _flushTimer;
    private readonly ITimer _sweepTimer;
    private readonly PresenceMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Action<PresenceRoom> _emptied;
    private long _version;
    private long _forgottenThrough;
    private bool _flushScheduled;
    private TimeSpan? _lastFlushAt;
    private TimeSpan? _sweepAt;
    private bool _retired;
    private int _connectionCount;

    public PresenceRoom(string documentId, PresenceOptions options, TimeProvider time, PresenceMetrics metrics, ILogger logger, Action<PresenceRoom> emptied)
    {
        DocumentId = documentId;
        _options = options;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _emptied = emptied;
        _origin = time.GetTimestamp();
        _flushTimer = time.CreateTimer(static state => ((PresenceRoom)state!).OnFlushTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _sweepTimer = time.CreateTimer(static state => ((PresenceRoom)state!).OnSweepTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public string DocumentId { get; }

    /// <summary>Connections present (live or awaiting their timeout), for the metrics gauge.</summary>
    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    private TimeSpan Now => _time.GetElapsedTime(_origin);

    private bool IsAggregated => _users.Count > _options.MaxListedUsers;

    /// <summary>
    /// A connection joins, or re-announces itself (same user, same connection id: a reconnect resumes the entry, with
    /// no leave or join for anyone). The member gets the whole room at once; everyone else gets the change in the next batch.
    /// </summary>
    public PresenceJoinOutcome Join(IPresenceRecipient recipient, string userId, bool authenticated, string connectionId, JsonElement metadata, PresenceCursor? cursor)
    {
        lock (_gate)
        {
            if (_retired)
            {
                return PresenceJoinOutcome.Retired;
            }

            if (_users.TryGetValue(userId, out var user) && user.Authenticated != authenticated)
            {
                return PresenceJoinOutcome.IdentityTaken;
            }

            if (user is null)
            {
                user = new RoomUser(userId, authenticated);
                _users.Add(userId, user);
            }

            var outcome = PresenceJoinOutcome.Resumed;
            var changed = false;
            var connection = user.Find(connectionId);
            if (connection is null)
            {
                connection = new RoomConnection(connectionId);
                user.Connections.Add(connection);
                Volatile.Write(ref _connectionCount, _connectionCount + 1);
                outcome = PresenceJoinOutcome.Joined;
                changed = true;
            }

            // Whichever session announced it last carries it: after a reconnect the old session's end no longer touches it.
            connection.Owner = recipient;
            var metadataChanged = connection.MetadataVersion == 0 || !JsonElement.DeepEquals(connection.Metadata, metadata);
            if (metadataChanged)
            {
                connection.Metadata = metadata;
            }

            if (!SameCursor(connection.Cursor, cursor))
            {
                connection.Cursor = Normalize(cursor);
                changed = true;
            }

            if (changed || metadataChanged)
            {
                var version = Bump(user);
                if (metadataChanged)
                {
                    connection.MetadataVersion = version;
                }
            }

            if (!_members.TryGetValue(recipient, out var member))
            {
                member = new RoomMember(recipient);
                _members.Add(recipient, member);
            }

            member.NeedsFull = true;
            if (!TryDeliverFull(member))
            {
                ScheduleFlush();
            }

            return outcome;
        }
    }

    /// <summary>Changes a joined connection's metadata, cursor or typing. False when this session has not joined it.</summary>
    public bool Update(IPresenceRecipient recipient, string userId, string connectionId, JsonElement? metadata, PresenceCursor? cursor, bool? typing)
    {
        lock (_gate)
        {
            if (_retired || !_users.TryGetValue(userId, out var user) || user.Find(connectionId) is not { } connection || connection.Owner != recipient)
            {
                return false;
            }

            var changed = false;
            var metadataChanged = metadata is { } m && !JsonElement.DeepEquals(connection.Metadata, m);
            if (metadataChanged)
            {
                connection.Metadata = metadata!.Value;
            }

            if (cursor is not null && !SameCursor(connection.Cursor, cursor))
            {
                connection.Cursor = Normalize(cursor);
                changed = true;
            }

            if (typing == true)
            {
                connection.TypingUntil = Now + _options.TypingTimeout;
                ScheduleSweep(connection.TypingUntil);
                changed |= !connection.Typing;
                connection.Typing = true;
            }
            else if (typing == false && connection.Typing)
            {
                connection.Typing = false;
                changed = true;
            }

            if (changed || metadataChanged)
            {
                var version = Bump(user);
                if (metadataChanged)
                {
                    connection.MetadataVersion = version;
                }
            }

            return true;
        }
    }

    /// <summary>The goodbye: the connection goes at once, and the member stops receiving the room.</summary>
    public void Leave(IPresenceRecipient recipient, string userId, string connectionId)
    {
        lock (_gate)
        {
            _members.Remove(recipient);
            if (_users.TryGetValue(userId, out var user) && user.Find(connectionId) is { } connection && connection.Owner == recipient)
            {
                Remove(user, connection);
            }
        }

        RetireIfEmpty();
    }

    /// <summary>
    /// The member's session ended without a goodbye: its connections stay present until <see cref="PresenceOptions.Timeout"/>
    /// after the session was last heard from, so a reconnect within it shows no leave and no join.
    /// </summary>
    /// <param name="recipient">The member.</param>
    /// <param name="silentFor">How long before now the session was last heard from.</param>
    public void Detach(IPresenceRecipient recipient, TimeSpan silentFor)
    {
        lock (_gate)
        {
            _members.Remove(recipient);
            var expiresAt = Now + _options.Timeout - silentFor;
            foreach (var user in _users.Values.ToArray())
            {
                foreach (var connection in user.Connections.Where(c => c.Owner == recipient).ToArray())
                {
                    connection.Owner = null;
                    connection.ExpiresAt = expiresAt;
                    if (expiresAt <= Now)
                    {
                        Expire(user, connection);
                    }
                    else
                    {
                        ScheduleSweep(expiresAt);
                    }
                }
            }
        }

        RetireIfEmpty();
    }

    /// <summary>Closes an empty room for good (its timers too). False when it is not empty.</summary>
    public bool TryRetire()
    {
        lock (_gate)
        {
            if (_retired || _users.Count > 0 || _members.Count > 0)
            {
                return _retired;
            }

            _retired = true;
            _flushTimer.Dispose();
            _sweepTimer.Dispose();
            return true;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _retired = true;
            _flushTimer.Dispose();
            _sweepTimer.Dispose();
        }
    }

    /// <summary>Sends every member what it has not seen: one frame per member per batch, whatever happened meanwhile.</summary>
    internal void Flush()
    {
        lock (_gate)
        {
            _flushScheduled = false;
            if (_retired)
            {
                return;
            }

            _lastFlushAt = Now;
            var aggregated = IsAggregated;
            PresenceSnapshotFrame? full = null;
            var diffs = new Dictionary<long, PresenceDiffFrame?>();
            var deferred = false;
            // A copy: a delivery that closes its session must not change the set being walked.
            foreach (var member in _members.Values.ToArray())
            {
                Frame? frame;
                if (aggregated)
                {
                    if (!member.NeedsFull && member.Aggregated && member.Users == _users.Count && member.Connections == _connectionCount)
                    {
                        member.Delivered = _version;
                        continue;
                    }

                    frame = full ??= Snapshot(aggregated: true);
                }
                else if (member.NeedsFull || member.Aggregated || member.Delivered < _forgottenThrough)
                {
                    frame = full ??= Snapshot(aggregated: false);
                }
                else if (member.Delivered == _version)
                {
                    continue;
                }
                else
                {
                    if (!diffs.TryGetValue(member.Delivered, out var diff))
                    {
                        diffs[member.Delivered] = diff = Diff(member.Delivered);
                    }

                    if (diff is null)
                    {
                        member.Delivered = _version;
                        continue;
                    }

                    frame = diff;
                }

                if (Deliver(member, frame, aggregated))
                {
                    continue;
                }

                deferred = true;
                _metrics.Deferred();
            }

            ForgetDepartures();
            if (deferred)
            {
                // The member's changes stay coalesced here (latest wins) until its queue has room again.
                ScheduleFlush();
            }
        }
    }

    /// <summary>Expires detached connections and lapsed typing indicators that are due.</summary>
    internal void Sweep()
    {
        lock (_gate)
        {
            _sweepAt = null;
            if (_retired)
            {
                return;
            }

            var now = Now;
            TimeSpan? next = null;
            foreach (var user in _users.Values.ToArray())
            {
                foreach (var connection in user.Connections.ToArray())
                {
                    if (connection.Owner is null)
                    {
                        if (connection.ExpiresAt <= now)
                        {
                            Expire(user, connection);
                            continue;
                        }

                        next = Min(next, connection.ExpiresAt);
                    }

                    if (connection.Typing)
                    {
                        if (connection.TypingUntil <= now)
                        {
                            connection.Typing = false;
                            Bump(user);
                        }
                        else
                        {
                            next = Min(next, connection.TypingUntil);
                        }
                    }
                }
            }

            if (next is { } due)
            {
                ScheduleSweep(due);
            }
        }

        RetireIfEmpty();
    }

    private static TimeSpan Min(TimeSpan? a, TimeSpan b) => a is { } value && value < b ? value : b;

    // An empty cursor is no cursor: it is how a client clears one.
    private static PresenceCursor? Normalize(PresenceCursor? cursor) => cursor is { Position: null, Selection: null } ? null : cursor;

    private static bool SameCursor(PresenceCursor? a, PresenceCursor? b)
    {
        a = Normalize(a);
        b = Normalize(b);
        return a is null ? b is null : b is not null && SameValue(a.Position, b.Position) && SameValue(a.Selection, b.Selection);
    }

    private static bool SameValue(JsonElement? a, JsonElement? b) =>
        a is { } x ? b is { } y && JsonElement.DeepEquals(x, y) : b is null;

    // Must hold _gate.
    private long Bump(RoomUser user)
    {
        user.Version = ++_version;
        ScheduleFlush();
        return user.Version;
    }

    // Must hold _gate.
    private void Remove(RoomUser user, RoomConnection connection)
    {
        user.Connections.Remove(connection);
        Volatile.Write(ref _connectionCount, _connectionCount - 1);
        if (user.Connections.Count > 0)
        {
            Bump(user);
            return;
        }

        // The user's last connection: only now does anyone see the user leave.
        _users.Remove(user.UserId);
        _departures.Add((user.UserId, ++_version));
        ScheduleFlush();
    }

    // Must hold _gate.
    private void Expire(RoomUser user, RoomConnection connection)
    {
        Log.Expired(_logger, DocumentId, user.UserId, connection.ConnectionId, _options.Timeout);
        _metrics.Expired();
        Remove(user, connection);
    }

    // Must hold _gate. Batches are one interval apart: in a busy room a change waits for the next batch; in a quiet
    // one the first change goes out almost at once (a millisecond, so a burst of joins still travels together).
    private void ScheduleFlush()
    {
        if (!_flushScheduled && !_retired)
        {
            _flushScheduled = true;
            var due = _lastFlushAt is { } last ? last + _options.BatchInterval - Now : TimeSpan.Zero;
            _flushTimer.Change(due > MinimumFlushDelay ? due : MinimumFlushDelay, Timeout.InfiniteTimeSpan);
        }
    }

    // Must hold _gate.
    private void ScheduleSweep(TimeSpan due)
    {
        if (_retired || (_sweepAt is { } scheduled && scheduled <= due))
        {
            return;
        }

        _sweepAt = due;
        _sweepTimer.Change(due - Now > TimeSpan.Zero ? due - Now : TimeSpan.FromTicks(1), Timeout.InfiniteTimeSpan);
    }

    // Must hold _gate.
    private bool TryDeliverFull(RoomMember member)
    {
        var aggregated = IsAggregated;
        return Deliver(member, Snapshot(aggregated), aggregated);
    }

    // Must hold _gate.
    private bool Deliver(RoomMember member, Frame frame, bool aggregated)
    {
        if (!member.Recipient.TryDeliver(frame))
        {
            return false;
        }

        _metrics.Sent(frame);
        member.Delivered = _version;
        member.NeedsFull = false;
        member.Aggregated = aggregated;
        member.Users = _users.Count;
        member.Connections = _connectionCount;
        return true;
    }

    // Must hold _gate.
    private PresenceSnapshotFrame Snapshot(bool aggregated) => aggregated
        ? new PresenceSnapshotFrame(DocumentId, [], _users.Count, _connectionCount, Aggregated: true)
        : new PresenceSnapshotFrame(DocumentId, _users.Values.OrderBy(static u => u.UserId, StringComparer.Ordinal).Select(static u => u.State()).ToArray(),
            _users.Count, _connectionCount);

    // Must hold _gate. Null when nothing a member could see changed after `since`.
    private PresenceDiffFrame? Diff(long since)
    {
        var changed = _users.Values.Where(u => u.Version > since).OrderBy(static u => u.UserId, StringComparer.Ordinal).Select(static u => u.State()).ToArray();
        var left = _departures.Where(d => d.Version > since && !_users.ContainsKey(d.UserId)).Select(static d => d.UserId).Distinct(StringComparer.Ordinal).ToArray();
        return changed.Length == 0 && left.Length == 0 ? null : new PresenceDiffFrame(DocumentId, changed, left, _users.Count, _connectionCount);
    }

    // Must hold _gate. Departures every member has seen are no longer needed for diffs.
    private void ForgetDepartures()
    {
        var upTo = _members.Values.Where(static m => !m.NeedsFull).Select(static m => m.Delivered).DefaultIfEmpty(_version).Min();
        if (_departures.Count > MaxDepartures)
        {
            // A member that far behind is cheaper to bring back with a snapshot than with a diff.
            upTo = Math.Max(upTo, _departures[_departures.Count / 2].Version);
        }

        var removed = _departures.RemoveAll(d => d.Version <= upTo);
        if (removed > 0)
        {
            _forgottenThrough = Math.Max(_forgottenThrough, upTo);
        }
    }

    private void RetireIfEmpty()
    {
        bool empty;
        lock (_gate)
        {
            empty = !_retired && _users.Count == 0 && _members.Count == 0;
        }

        if (empty)
        {
            _emptied(this);
        }
    }

    private void OnFlushTimer()
    {
        try
        {
            Flush();
        }
#pragma warning disable CA1031 // A timer callback must never take the process down.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.Failed(_logger, ex, DocumentId, "flush");
        }
    }

    private void OnSweepTimer()
    {
        try
        {
            Sweep();
        }
#pragma warning disable CA1031 // A timer callback must never take the process down.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.Failed(_logger, ex, DocumentId, "sweep");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 95, EventName = "PresenceExpired", Level = LogLevel.Information, Message = "Presence of {DocumentId}: connection {ConnectionId} of user {UserId} expired ({Timeout} without its session, no goodbye).")]
        public static partial void Expired(ILogger logger, string documentId, string userId, string connectionId, TimeSpan timeout);

        [LoggerMessage(EventId = 96, EventName = "PresenceRoomFailed", Level = LogLevel.Error, Message = "Presence of {DocumentId}: the {Step} failed.")]
        public static partial void Failed(ILogger logger, Exception exception, string documentId, string step);
    }
}
