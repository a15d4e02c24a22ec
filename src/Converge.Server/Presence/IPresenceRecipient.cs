using Converge.Protocol.Frames;

namespace Converge.Server.Presence;

/// <summary>Where a room sends a member's presence frames: a session's outbound queue, seen from presence.</summary>
internal interface IPresenceRecipient
{
    /// <summary>For logs.</summary>
    string SessionId { get; }

    /// <summary>
    /// Queues a presence frame unless the session's queue is busy. False means "not now": the room keeps the member's
    /// changes coalesced and tries again at its next batch. Never closes the session.
    /// </summary>
    bool TryDeliver(Frame frame);
}
