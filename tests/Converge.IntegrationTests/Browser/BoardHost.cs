using System.Diagnostics;
using System.Text.RegularExpressions;
using Converge.Testing;

namespace Converge.IntegrationTests.Browser;

/// <summary>The board sample host (sync endpoint + Blazor WebAssembly files) as a child process on a free port.</summary>
internal sealed partial class BoardHost : IAsyncDisposable
{
    private const int LogLinesKept = 400;

    private readonly Process _process;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _log = new();

    private BoardHost(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    /// <summary>The host's last log lines (stdout and stderr), for a failing browser test to show.</summary>
    public string LogTail => string.Join(Environment.NewLine, _log);

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
                // Keep draining the output so the host never blocks on a full pipe; the tail is kept for failures.
                var host = new BoardHost(process, new Uri(match.Groups[1].Value));
                _ = host.KeepTailAsync(process.StandardOutput);
                _ = host.KeepTailAsync(process.StandardError);
                return host;
            }
        }

        process.Kill(entireProcessTree: true);
        throw new Xunit.Sdk.XunitException($"The board host did not start: {await process.StandardError.ReadToEndAsync()}");
    }

    private async Task KeepTailAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            _log.Enqueue(line);
            while (_log.Count > LogLinesKept && _log.TryDequeue(out _))
            {
            }
        }
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
