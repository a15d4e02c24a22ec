using Converge.Protocol.Frames;

namespace Converge.Client.Documents;

/// <summary>Where a document sends frames: the client's current connection, if any.</summary>
internal interface IFrameSink
{
    /// <summary>Queues a frame on the current connection; false when there is none (the frame is dropped).</summary>
    bool TrySend(Frame frame);
}
