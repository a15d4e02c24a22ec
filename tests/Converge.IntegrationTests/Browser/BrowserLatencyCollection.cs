namespace Converge.IntegrationTests.Browser;

/// <summary>
/// The browser tests that assert latencies (an edit seen in the other context within a second) run alone, after the
/// parallel collections: on two cores, Chromium and WebAssembly sharing the CPU with the randomized convergence and
/// load tests measured the machine's contention (a 1.2 s move), not the board's sync.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrowserLatencyCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Browser latency";
}
