using Converge.Model.Clocks;

namespace Converge.Model.Maps;

/// <summary>
/// Deletes an object: hides every field write older than <see cref="MapOperation.Timestamp"/>. Writes newer than
/// the delete re-create the object with only those fields (see <see cref="LwwObjectMap"/>).
/// </summary>
public sealed record DeleteObjectOperation : MapOperation
{
    /// <summary>Creates the operation.</summary>
    /// <param name="objectId">The object; non-empty.</param>
    /// <param name="timestamp">The delete's timestamp, from the writer's <see cref="HybridLogicalClock"/>.</param>
    public DeleteObjectOperation(string objectId, HlcTimestamp timestamp)
        : base(objectId, timestamp)
    {
    }
}
