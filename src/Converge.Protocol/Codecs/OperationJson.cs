using System.Text.Json;
using Converge.Model.Documents;

namespace Converge.Protocol.Codecs;

/// <summary>
/// The JSON encoding of an operation list on its own, exactly as inside frames. Stores use it so that the log
/// on disk and the wire share one encoding.
/// </summary>
public static class OperationJson
{
    /// <summary>Encodes operations as UTF-8 JSON.</summary>
    /// <param name="operations">The operations.</param>
    public static byte[] Serialize(IReadOnlyList<DocumentOperation> operations) =>
        JsonSerializer.SerializeToUtf8Bytes(operations, FrameJsonContext.Default.IReadOnlyListDocumentOperation);

    /// <summary>Decodes operations written by <see cref="Serialize"/>.</summary>
    /// <param name="utf8Json">The bytes.</param>
    /// <exception cref="ProtocolException">The bytes are not a valid operation list.</exception>
    public static IReadOnlyList<DocumentOperation> Deserialize(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            return JsonSerializer.Deserialize(utf8Json, FrameJsonContext.Default.IReadOnlyListDocumentOperation)
                ?? throw new ProtocolException(ErrorCodes.MalformedFrame, "An operation list must not be null.");
        }
        catch (JsonException ex)
        {
            throw new ProtocolException(ErrorCodes.MalformedFrame, $"Malformed operation list: {ex.Message}", ex);
        }
    }
}
