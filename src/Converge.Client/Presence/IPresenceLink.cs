using Converge.Protocol.Frames;

namespace Converge.Client.Presence;

/// <summary>Where presence handles send frames: the client's current connection, if any.</summary>
internal interface IPresenceLink
{
    /// <summary>Queues a frame on the current (welcomed) connection; false when there is none.</summary>
    bool TrySend(Frame frame);

    /// <summary>
    /// Whether frames are still waiting for the transport (an HTTP uplink sends one request at a time): cursor
    /// updates then wait, coalesced, instead of piling up behind each other.
    /// </summary>
    bool IsBacklogged { get; }
}
