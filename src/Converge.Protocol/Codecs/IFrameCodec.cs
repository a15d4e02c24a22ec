using System.Buffers;
using Converge.Protocol.Frames;

namespace Converge.Protocol.Codecs;

/// <summary>
/// Turns frames into bytes and back. Transports and sessions depend on this interface only, so a binary codec
/// can replace JSON on a connection without changing any caller.
/// </summary>
public interface IFrameCodec
{
    /// <summary>The codec's name, as negotiated (e.g. <c>json</c>).</summary>
    string Name { get; }

    /// <summary>Whether the encoding is binary (WebSocket binary messages) rather than UTF-8 text.</summary>
    bool IsBinary { get; }

    /// <summary>Writes one frame.</summary>
    /// <param name="frame">The frame.</param>
    /// <param name="output">Where the bytes go.</param>
    void Encode(Frame frame, IBufferWriter<byte> output);

    /// <summary>Reads one frame from exactly the given bytes.</summary>
    /// <param name="payload">One whole frame, nothing more.</param>
    /// <returns>The frame, validated.</returns>
    /// <exception cref="ProtocolException">The bytes are not a valid frame; the exception's code says how.</exception>
    Frame Decode(ReadOnlySpan<byte> payload);
}
