using System.Diagnostics;
using System.Threading.Channels;
using Converge.Testing;

namespace Converge.IntegrationTests.Infrastructure;

/// <summary>
/// A project of this repository, built alongside these tests, run as <c>dotnet &lt;its dll&gt; …</c> in a child process:
/// its stdout lines as they come, everything it wrote kept for failure messages, and SIGKILL
/// (<see cref="Process.Kill(bool)"/>) so that no shutdown code runs.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private int _disposed;

    private ChildProcess(Process process) => _process = process;

    /// <summary>Stdout, line by line; completes when the process has closed its stdout.</summary>
    public ChannelReader<string> Lines => _lines.Reader;

    /// <summary>Every stdout line so far.</summary>
    public string Output => Joined(_stdout);

    /// <summary>Every stderr line so far.</summary>
    public string Errors => Joined(_stderr);

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// The path of <paramref name="assembly"/> built from <paramref name="project"/> (relative to the repository root) in
    /// the same configuration and framework as these tests: bin/&lt;Configuration&gt;/&lt;tfm&gt;/ under the project.
    /// </summary>
    public static string BuiltAssembly(string project, string assembly)
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var path = Path.Combine(RepositoryPaths.Root, project, "bin", here.Parent!.Name, here.Name, assembly);
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build {project} first (the integration tests' build does).", path);
    }

    public static ChildProcess Start(string assemblyPath, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(assemblyPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                child._lines.Writer.TryComplete();
                return;
            }

            lock (child._stdout)
            {
                child._stdout.Add(e.Data);
            }

            child._lines.Writer.TryWrite(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (child._stderr)
                {
                    child._stderr.Add(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Reads stdout lines until one matches; <see langword="null"/> when the process closed stdout or the time ran out first.</summary>
    public async Task<string?> ReadUntilAsync(Func<string, bool> predicate, TimeSpan timeout, Action<string>? onEachLine = null)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            while (await _lines.Reader.WaitToReadAsync(cancel.Token))
            {
                while (_lines.Reader.TryRead(out var line))
                {
                    onEachLine?.Invoke(line);
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

        return null;
    }

    /// <summary>Waits for the process to end and its output to be read; the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: the process (and anything it started) ends at once, whatever it was doing.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await KillAsync();
            _process.Dispose();
        }
    }

    private static string Joined(List<string> lines)
    {
        lock (lines)
        {
            return string.Join('\n', lines);
        }
    }
}
