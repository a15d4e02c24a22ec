namespace Converge.Protocol.Frames;

/// <summary>Either direction: the answer to a <see cref="PingFrame"/>.</summary>
/// <param name="Payload">The ping's payload, echoed.</param>
public sealed record PongFrame(long Payload = 0) : Frame
{
    internal override string? Validate() => null;
}
