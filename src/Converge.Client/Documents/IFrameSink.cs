using Converge.Protocol.Frames;

namespace Converge.Client.Documents;

/// <summary>Where a document sends frames: the client's current connection, if any.</summary>
internal interface IFrameSink
{
    /// <summary>Queues a frame on the current connection; false when there is none (the frame is dropped).</summary>
    bool TrySend(Frame frame);

    /// <summary>Asks for the document's unsent changes to go out with the next flush (see <see cref="ConvergeClientOptions.FlushWindow"/>).</summary>
    void ScheduleFlush(ConvergeDocument document);
}
