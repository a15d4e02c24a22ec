using System.Buffers;
using System.Runtime.CompilerServices;
using Converge.Protocol.Codecs;
using Converge.Protocol.Frames;

namespace Converge.Server.Sessions;

/// <summary>
/// The bytes of a frame queued for many sessions, encoded once per codec instead of once per session. The authority
/// marks the frames it fans out (<see cref="MarkShared"/>); a transport asks <see cref="TryGet"/> before encoding.
/// With 1,000 subscribers, encoding each <c>changes</c> frame per session was a quarter of the server's CPU under
/// fan-out (docs/benchmarks.md, "Hot path"). The bytes live exactly as long as the frame (a conditional weak
/// table), so nothing has to release them.
/// </summary>
internal sealed class SharedFrameEncoding
{
    private static readonly ConditionalWeakTable<Frame, SharedFrameEncoding> Shared = [];

    private readonly Lock _gate = new();

    // At most two codecs exist (JSON and MessagePack), so two slots, looked up by reference.
    private IFrameCodec? _firstCodec;
    private byte[]? _firstBytes;
    private IFrameCodec? _secondCodec;
    private byte[]? _secondBytes;

    /// <summary>Marks a frame about to be queued for several sessions.</summary>
    public static void MarkShared(Frame frame) => Shared.TryAdd(frame, new SharedFrameEncoding());

    /// <summary>The frame's bytes in <paramref name="codec"/>, encoded by the first session that asks; false for a frame not marked shared.</summary>
    public static bool TryGet(Frame frame, IFrameCodec codec, out ReadOnlyMemory<byte> bytes)
    {
        if (!Shared.TryGetValue(frame, out var shared))
        {
            bytes = default;
            return false;
        }

        bytes = shared.Get(frame, codec);
        return true;
    }

    // Encoding under the lock: the sessions woken by one fan-out would otherwise all encode the same frame at once.
    private byte[] Get(Frame frame, IFrameCodec codec)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_firstCodec, codec))
            {
                return _firstBytes!;
            }

            if (ReferenceEquals(_secondCodec, codec))
            {
                return _secondBytes!;
            }

            var writer = new ArrayBufferWriter<byte>(256);
            codec.Encode(frame, writer);
            var bytes = writer.WrittenSpan.ToArray();
            if (_firstCodec is null)
            {
                (_firstCodec, _firstBytes) = (codec, bytes);
            }
            else if (_secondCodec is null)
            {
                (_secondCodec, _secondBytes) = (codec, bytes);
            }

            return bytes;
        }
    }
}
