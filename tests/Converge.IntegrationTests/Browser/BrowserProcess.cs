using System.Diagnostics;
using Converge.Testing;

namespace Converge.IntegrationTests.Browser;

/// <summary>Runs a Playwright script from tests/browser in node, line by line. scripts/setup.sh installs what it needs.</summary>
internal sealed class BrowserProcess : IAsyncDisposable
{
    private readonly Process _process;
    private BoardHost? _host;

    // Read as it comes, not at the end: an unread pipe fills up and stalls the script, and a failure (early end or
    // timeout) should show what the pages logged up to then.
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _errors = new();

    private BrowserProcess(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _errors.Enqueue(e.Data);
            }
        };
        _process.BeginErrorReadLine();
    }

    /// <summary>What the script wrote to stderr so far: console errors and the client's log lines from the pages.</summary>
    public string Errors => string.Join(Environment.NewLine, _errors)
        + (_host is null ? string.Empty : $"{Environment.NewLine}--- board host log (tail) ---{Environment.NewLine}{_host.LogTail}");

    public static string ArtifactPath(string name)
    {
        var directory = Path.Combine(RepositoryPaths.Root, "artifacts", "screenshots");
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, name);
    }

    /// <summary>Runs a script against the board host; a failure shows the host's log as well as the pages'.</summary>
    public static BrowserProcess Start(BoardHost host, string script, params string[] arguments)
    {
        var process = Start(script, arguments);
        process._host = host;
        return process;
    }

    public static BrowserProcess Start(string script, params string[] arguments)
    {
        var folder = Path.Combine(RepositoryPaths.Root, "tests", "browser");
        if (!Directory.Exists(Path.Combine(folder, "node_modules", "playwright-core")) || !File.Exists("/usr/bin/chromium"))
        {
            throw new Xunit.Sdk.XunitException("Chromium or playwright-core is missing: run scripts/setup.sh (the test command does).");
        }

        var start = new ProcessStartInfo("node") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return new BrowserProcess(Process.Start(start)!);
    }

    public async Task<string> ReadLineAsync(TimeSpan timeout)
    {
        string? line;
        try
        {
            line = await _process.StandardOutput.ReadLineAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException($"The browser script printed nothing within {timeout}. Its log so far:{Environment.NewLine}{Errors}");
        }

        if (line is null)
        {
            await _process.WaitForExitAsync();
            throw new Xunit.Sdk.XunitException($"The browser script ended early:{Environment.NewLine}{Errors}");
        }

        return line;
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
}
