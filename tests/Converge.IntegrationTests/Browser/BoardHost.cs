using System.Diagnostics;
using System.Text.RegularExpressions;
using Converge.Testing;

namespace Converge.IntegrationTests.Browser;

/// <summary>The board sample host (sync endpoint + Blazor WebAssembly files) as a child process on a free port.</summary>
internal sealed partial class BoardHost : IAsyncDisposable
{
    private readonly Process _process;

    private BoardHost(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public int Port => Address.Port;

    public static async Task<BoardHost> StartAsync(string databasePath)
    {
        // Built with the solution, in the same configuration as this test assembly.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var dll = Path.Combine(RepositoryPaths.Root, "samples", "Converge.Board.Server", "bin", configuration, "net10.0", "Converge.Board.Server.dll");
        if (!File.Exists(dll))
        {
            throw new Xunit.Sdk.XunitException($"{dll} is missing: build the solution first (the test command does).");
        }

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(dll)! };
        foreach (var argument in new[] { dll, "--urls", "http://127.0.0.1:0", $"--Converge:DatabasePath={databasePath}" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            if (line is null)
            {
                break;
            }

            if (Listening().Match(line) is { Success: true } match)
            {
                // Keep draining the output so the host never blocks on a full pipe.
                _ = process.StandardOutput.ReadToEndAsync();
                _ = process.StandardError.ReadToEndAsync();
                return new BoardHost(process, new Uri(match.Groups[1].Value));
            }
        }

        process.Kill(entireProcessTree: true);
        throw new Xunit.Sdk.XunitException($"The board host did not start: {await process.StandardError.ReadToEndAsync()}");
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

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex Listening();
}
