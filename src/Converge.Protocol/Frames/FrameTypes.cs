namespace Converge.Protocol.Frames;

/// <summary>The wire names of the frame types (the value of a frame's <c>type</c> property).</summary>
public static class FrameTypes
{
    /// <summary>The name of the discriminator property.</summary>
    public const string PropertyName = "type";

    /// <summary><see cref="HelloFrame"/>.</summary>
    public const string Hello = "hello";

    /// <summary><see cref="WelcomeFrame"/>.</summary>
    public const string Welcome = "welcome";

    /// <summary><see cref="SubscribeFrame"/>.</summary>
    public const string Subscribe = "subscribe";

    /// <summary><see cref="UnsubscribeFrame"/>.</summary>
    public const string Unsubscribe = "unsubscribe";

    /// <summary><see cref="SubscribedFrame"/>.</summary>
    public const string Subscribed = "subscribed";

    /// <summary><see cref="SnapshotFrame"/>.</summary>
    public const string Snapshot = "snapshot";

    /// <summary><see cref="PushFrame"/>.</summary>
    public const string Push = "push";

    /// <summary><see cref="AckFrame"/>.</summary>
    public const string Ack = "ack";

    /// <summary><see cref="RejectFrame"/>.</summary>
    public const string Reject = "reject";

    /// <summary><see cref="ChangesFrame"/>.</summary>
    public const string Changes = "changes";

    /// <summary><see cref="PingFrame"/>.</summary>
    public const string Ping = "ping";

    /// <summary><see cref="PongFrame"/>.</summary>
    public const string Pong = "pong";

    /// <summary><see cref="ErrorFrame"/>.</summary>
    public const string Error = "error";

    /// <summary><see cref="PresenceJoinFrame"/>.</summary>
    public const string PresenceJoin = "presenceJoin";

    /// <summary><see cref="PresenceUpdateFrame"/>.</summary>
    public const string PresenceUpdate = "presenceUpdate";

    /// <summary><see cref="PresenceLeaveFrame"/>.</summary>
    public const string PresenceLeave = "presenceLeave";

    /// <summary><see cref="PresenceSnapshotFrame"/>.</summary>
    public const string PresenceSnapshot = "presenceSnapshot";

    /// <summary><see cref="PresenceDiffFrame"/>.</summary>
    public const string PresenceDiff = "presenceDiff";

    /// <summary><see cref="PresenceRejectedFrame"/>.</summary>
    public const string PresenceRejected = "presenceRejected";
}
