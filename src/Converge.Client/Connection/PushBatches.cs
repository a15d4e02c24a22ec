using Converge.Protocol.Codecs;
using Converge.Protocol.Frames;

namespace Converge.Client.Connection;

/// <summary>
/// Splits pending changes into push frames that stay under a count and under the server's frame size (announced in
/// welcome). Sizes are measured with the JSON encoding, the larger of the two codecs, so a batch fits either way.
/// </summary>
internal static class PushBatches
{
    // The frame's own members around the changes, with room to spare.
    private const int Overhead = 512;

    public static IEnumerable<ClientChange[]> Split(IReadOnlyList<ClientChange> changes, int maxChanges, int maxBytes)
    {
        var batch = new List<ClientChange>();
        var bytes = Overhead;
        foreach (var change in changes)
        {
            var size = OperationJson.Serialize(change.Operations).Length + change.ClientId.Length + 64;
            if (batch.Count > 0 && (batch.Count == maxChanges || bytes + size > maxBytes))
            {
                yield return [.. batch];
                batch.Clear();
                bytes = Overhead;
            }

            // A single change larger than the limit still goes alone: the server's answer (4413) names the problem.
            batch.Add(change);
            bytes += size;
        }

        if (batch.Count > 0)
        {
            yield return [.. batch];
        }
    }
}
