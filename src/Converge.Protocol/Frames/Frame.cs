using System.Text.Json.Serialization;

namespace Converge.Protocol.Frames;

/// <summary>
/// A protocol-v1 frame. Every frame on every transport is one of the sealed types derived from this one;
/// codecs (<see cref="Codecs.IFrameCodec"/>) turn them into bytes and back, so callers never see an encoding.
/// </summary>
/// <remarks>The discriminator names are the wire names in docs/protocol.md.</remarks>
[JsonPolymorphic(TypeDiscriminatorPropertyName = FrameTypes.PropertyName)]
[JsonDerivedType(typeof(HelloFrame), FrameTypes.Hello)]
[JsonDerivedType(typeof(WelcomeFrame), FrameTypes.Welcome)]
[JsonDerivedType(typeof(SubscribeFrame), FrameTypes.Subscribe)]
[JsonDerivedType(typeof(UnsubscribeFrame), FrameTypes.Unsubscribe)]
[JsonDerivedType(typeof(SubscribedFrame), FrameTypes.Subscribed)]
[JsonDerivedType(typeof(SnapshotFrame), FrameTypes.Snapshot)]
[JsonDerivedType(typeof(PushFrame), FrameTypes.Push)]
[JsonDerivedType(typeof(AckFrame), FrameTypes.Ack)]
[JsonDerivedType(typeof(RejectFrame), FrameTypes.Reject)]
[JsonDerivedType(typeof(ChangesFrame), FrameTypes.Changes)]
[JsonDerivedType(typeof(PingFrame), FrameTypes.Ping)]
[JsonDerivedType(typeof(PongFrame), FrameTypes.Pong)]
[JsonDerivedType(typeof(ErrorFrame), FrameTypes.Error)]
[JsonDerivedType(typeof(PresenceJoinFrame), FrameTypes.PresenceJoin)]
[JsonDerivedType(typeof(PresenceUpdateFrame), FrameTypes.PresenceUpdate)]
[JsonDerivedType(typeof(PresenceLeaveFrame), FrameTypes.PresenceLeave)]
[JsonDerivedType(typeof(PresenceSnapshotFrame), FrameTypes.PresenceSnapshot)]
[JsonDerivedType(typeof(PresenceDiffFrame), FrameTypes.PresenceDiff)]
[JsonDerivedType(typeof(PresenceRejectedFrame), FrameTypes.PresenceRejected)]
public abstract record Frame
{
    private protected Frame()
    {
    }

    /// <summary>Checks the invariants a decoder cannot express (ranges, lengths, non-empty lists).</summary>
    /// <returns><see langword="null"/> when valid; otherwise the problem, for people.</returns>
    internal abstract string? Validate();
}
