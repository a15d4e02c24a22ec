using System.Text.Json.Serialization;

namespace Converge.Model.Documents;

/// <summary>The JSON shape of a CRDT text value (see <see cref="CrdtTextJson"/>).</summary>
internal sealed record CrdtTextValue(
    [property: JsonPropertyName("crdt")] string Crdt,
    [property: JsonPropertyName("text")] string Text);
