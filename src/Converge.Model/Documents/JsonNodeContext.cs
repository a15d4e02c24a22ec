using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Converge.Model.Documents;

/// <summary>Source-generated serialization of the JSON nodes sets are edited as (trimming- and AOT-safe, as in Blazor WebAssembly).</summary>
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(TextValue))]
[JsonSerializable(typeof(CrdtTextValue))]
internal sealed partial class JsonNodeContext : JsonSerializerContext;
