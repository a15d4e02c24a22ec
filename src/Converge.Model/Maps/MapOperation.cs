using System.Text.Json;
using Converge.Model.Clocks;

namespace Converge.Model.Maps;

/// <summary>An operation on an <see cref="LwwObjectMap"/>. Applying one twice, or in any order, gives the same map.</summary>
public abstract record MapOperation(string ObjectId, HlcTimestamp Timestamp)
{
    /// <summary>Sets one field of one object (creating or re-creating the object).</summary>
    /// <param name="ObjectId">The object.</param>
    /// <param name="Field">The field.</param>
    /// <param name="Value">The value.</param>
    /// <param name="Timestamp">When, by whom.</param>
    public sealed record SetField(string ObjectId, string Field, JsonElement Value, HlcTimestamp Timestamp) : MapOperation(ObjectId, Timestamp);

    /// <summary>Deletes an object: every field written before <paramref name="Timestamp"/> is hidden.</summary>
    /// <param name="ObjectId">The object.</param>
    /// <param name="Timestamp">When, by whom.</param>
    public sealed record DeleteObject(string ObjectId, HlcTimestamp Timestamp) : MapOperation(ObjectId, Timestamp);
}
