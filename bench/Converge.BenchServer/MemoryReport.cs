using System.Text.Json.Serialization;

namespace Converge.BenchServer;

/// <summary>What <c>/bench/gc</c> answers: the managed heap after a forced full GC, and the process working set.</summary>
internal sealed record MemoryReport(long GcHeapBytes, long WorkingSetBytes);

[JsonSerializable(typeof(MemoryReport))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
