using System.Runtime.CompilerServices;

// The HTTP inspector is a parser with its own property tests (STYLE.md, 8), next to the proxy's integration tests.
[assembly: InternalsVisibleTo("Converge.IntegrationTests")]
