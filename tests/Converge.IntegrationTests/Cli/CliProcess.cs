using Converge.IntegrationTests.Infrastructure;

namespace Converge.IntegrationTests.Cli;

/// <summary>The <c>converge</c> CLI (src/Converge.Cli) as a child process: <c>dotnet converge.dll …</c>, output read line by line.</summary>
internal sealed class CliProcess : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly ChildProcess _process;

    private CliProcess(ChildProcess process) => _process = process;

    public static string CliPath => ChildProcess.BuiltAssembly(Path.Combine("src", "Converge.Cli"), "converge.dll");

    public static CliProcess Start(params string[] arguments) => new(ChildProcess.Start(CliPath, arguments));

    /// <summary>Runs a command to its end.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] arguments)
    {
        await using var cli = Start(arguments);
        var exitCode = await cli._process.WaitForExitAsync(Timeout);
        return (exitCode, cli._process.Output, cli._process.Errors);
    }

    /// <summary>Waits for a stdout line matching <paramref name="predicate"/> (lines before it are skipped).</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> predicate) =>
        await _process.ReadUntilAsync(predicate, Timeout)
        ?? throw new Xunit.Sdk.XunitException($"No such line from the CLI. Output:\n{_process.Output}\nErrors:\n{_process.Errors}");

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
