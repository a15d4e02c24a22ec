using System.Text.Json.Serialization;

namespace Converge.Model.Documents;

/// <summary>The JSON shape of a collaborative text value (see <see cref="TextValueJson"/>).</summary>
internal sealed record TextValue(
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("rev")] long Revision);
