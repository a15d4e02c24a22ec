using Converge.Protocol.Codecs;
using Converge.Protocol.Frames;

namespace Converge.Client.Connection;

/// <summary>Pending changes in push-frame-sized batches.</summary>
internal static class PushBatches
{
    // The frame's own members around the changes, with room to spare.
    private const int Overhead = 512;

    public static IEnumerable<ClientChange[]> Split(IReadOnlyList<ClientChange> changes, int maxChanges, int maxBytes) =>
        FrameParts.Split(changes, static change => OperationJson.Serialize(change.Operations).Length + change.ClientId.Length + 64, maxChanges, maxBytes - Overhead);
}
