using Converge.Protocol.Frames;
using Converge.Server.Sessions;

namespace Converge.Server.Presence;

/// <summary>
/// A session as a presence recipient. Presence yields once the session's queue is a quarter full: document frames
/// (a snapshot may take half the queue) always find room, so a slow reader is closed for its data, never because
/// presence flooded it, and the presence it misses arrives later as one coalesced frame.
/// </summary>
internal sealed class SessionRecipient(ServerSession session, int sessionQueueCapacity) : IPresenceRecipient
{
    private readonly int _limit = Math.Max(1, sessionQueueCapacity / 4);

    public ServerSession Session { get; } = session;

    public string SessionId => Session.SessionId;

    public bool TryDeliver(Frame frame)
    {
        if (Session.CloseReason is not null)
        {
            // Nothing will read it; report it delivered so the room does not keep retrying.
            return true;
        }

        // Count is checked before the write: the queue can only be this full through document frames, which then
        // still have three quarters of it, so TryEnqueue does not fail (and close the session) on presence's account.
        return Session.Outbound.Count < _limit && Session.TryEnqueue(frame);
    }
}
