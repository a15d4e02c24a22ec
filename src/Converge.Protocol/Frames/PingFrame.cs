namespace Converge.Protocol.Frames;

/// <summary>Either direction: are you there? The receiver answers with a <see cref="PongFrame"/> echoing the payload.</summary>
/// <param name="Payload">An opaque value (typically the sender's timestamp) echoed in the pong.</param>
public sealed record PingFrame(long Payload = 0) : Frame
{
    internal override string? Validate() => null;
}
