using System.Text.Json.Serialization;

namespace Converge.BenchServer;

/// <summary>What <c>/bench/gc</c> answers: the managed heap after a forced full GC, and the process working set.</summary>
internal sealed record MemoryReport(long GcHeapBytes, long WorkingSetBytes);

/// <summary>What <c>/bench/commits</c> answers: changes the Converge server made durable, and in how many store transactions.</summary>
internal sealed record CommitReport(long Changes, long Transactions);

[JsonSerializable(typeof(MemoryReport))]
[JsonSerializable(typeof(CommitReport))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
