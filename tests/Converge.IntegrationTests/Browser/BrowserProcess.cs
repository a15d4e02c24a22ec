using System.Diagnostics;
using Converge.Testing;

namespace Converge.IntegrationTests.Browser;

/// <summary>Runs a Playwright script from tests/browser in node, line by line. scripts/setup.sh installs what it needs.</summary>
internal sealed class BrowserProcess : IAsyncDisposable
{
    private readonly Process _process;

    private BrowserProcess(Process process) => _process = process;

    public static string ArtifactPath(string name)
    {
        var directory = Path.Combine(RepositoryPaths.Root, "artifacts", "screenshots");
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, name);
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
        var line = await _process.StandardOutput.ReadLineAsync().WaitAsync(timeout);
        if (line is null)
        {
            await _process.WaitForExitAsync();
            throw new Xunit.Sdk.XunitException($"The browser script ended early: {await _process.StandardError.ReadToEndAsync()}");
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
