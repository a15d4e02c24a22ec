using System.Diagnostics;
using System.Threading.Channels;
using Converge.Testing;

namespace Converge.IntegrationTests.Cli;

/// <summary>The <c>converge</c> CLI (src/Converge.Cli) as a child process: <c>dotnet converge.dll …</c>, output read line by line.</summary>
internal sealed class CliProcess : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly Task<string> _stderr;
    private readonly Task _stdout;

    private CliProcess(Process process)
    {
        _process = process;
        _stderr = process.StandardError.ReadToEndAsync();
        _stdout = PumpAsync();
    }

    /// <summary>Every stdout line so far.</summary>
    public List<string> Output { get; } = [];

    public static string CliPath
    {
        get
        {
            // Same configuration and framework as these tests: bin/<Configuration>/<tfm>/ under the CLI's project.
            var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var path = Path.Combine(RepositoryPaths.Root, "src", "Converge.Cli", "bin", here.Parent!.Name, here.Name, "converge.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("Build src/Converge.Cli first (the integration tests' build does).", path);
        }
    }

    public static CliProcess Start(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(CliPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return new CliProcess(Process.Start(start)!);
    }

    /// <summary>Runs a command to its end.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] arguments)
    {
        await using var cli = Start(arguments);
        var exitCode = await cli.WaitForExitAsync();
        return (exitCode, string.Join('\n', cli.Output), await cli._stderr);
    }

    public async Task<int> WaitForExitAsync()
    {
        await _process.WaitForExitAsync().WaitAsync(Timeout);
        await _stdout;
        return _process.ExitCode;
    }

    /// <summary>Waits for a stdout line matching <paramref name="predicate"/> (lines before it are skipped, but kept in <see cref="Output"/>).</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> predicate)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            while (await _lines.Reader.WaitToReadAsync(timeout.Token))
            {
                while (_lines.Reader.TryRead(out var line))
                {
                    if (predicate(line))
                    {
                        return line;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        throw new Xunit.Sdk.XunitException($"No such line from the CLI. Output:\n{string.Join('\n', Output)}\nErrors:\n{(_stderr.IsCompleted ? await _stderr : "(running)")}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private async Task PumpAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            lock (Output)
            {
                Output.Add(line);
            }

            _lines.Writer.TryWrite(line);
        }

        _lines.Writer.TryComplete();
    }
}
