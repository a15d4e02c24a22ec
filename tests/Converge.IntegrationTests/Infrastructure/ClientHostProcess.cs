using System.Diagnostics;
using System.Threading.Channels;
using Converge.Testing;

namespace Converge.IntegrationTests.Infrastructure;

/// <summary>
/// tests/Converge.ClientHost in a child process (<c>dotnet Converge.ClientHost.dll …</c>): reads its report lines as
/// they come, and kills it with SIGKILL (<see cref="Process.Kill()"/>), no shutdown code running.
/// </summary>
internal sealed class ClientHostProcess : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _stderr = [];

    private ClientHostProcess(Process process) => _process = process;

    /// <summary>The <c>OPENED</c> line's fields: status, pending count, client id.</summary>
    public string[] Opened { get; private set; } = [];

    /// <summary>Keys of the changes the host reported a receipt for, in order.</summary>
    public List<string> ReceiptedKeys { get; } = [];

    /// <summary>Client sequences of those receipts, in order.</summary>
    public List<long> ReceiptedSequences { get; } = [];

    public static string HostPath
    {
        get
        {
            // Same configuration and framework as these tests: bin/<Configuration>/<tfm>/ under the host's project.
            var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var path = Path.Combine(RepositoryPaths.Root, "tests", "Converge.ClientHost", "bin", here.Parent!.Name, here.Name, "Converge.ClientHost.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("Build tests/Converge.ClientHost first (the integration tests' build does).", path);
        }
    }

    public static ClientHostProcess Start(Uri serverUri, string storePath, string documentId, string run, int changes, bool finish)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { HostPath, serverUri.ToString(), storePath, documentId, run, changes.ToString(System.Globalization.CultureInfo.InvariantCulture), finish ? "finish" : "kill" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var host = new ClientHostProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                host._lines.Writer.TryComplete();
            }
            else
            {
                host._lines.Writer.TryWrite(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (host._stderr)
                {
                    host._stderr.Add(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>Reads report lines until <paramref name="done"/> says so; fails on a timeout or when the process ends first.</summary>
    public async Task<string> UntilAsync(Func<string, bool> done, string what)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            while (true)
            {
                var line = await _lines.Reader.ReadAsync(timeout.Token);
                Record(line);
                if (done(line))
                {
                    return line;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            string errors;
            lock (_stderr)
            {
                errors = string.Join('\n', _stderr);
            }

            throw new Xunit.Sdk.XunitException($"The client host never reached: {what} ({ReceiptedKeys.Count} receipts so far). stderr:\n{errors}");
        }
    }

    public Task UntilReceiptsAsync(int count) => UntilAsync(_ => ReceiptedKeys.Count >= count, $"{count} receipts");

    /// <summary>SIGKILL, then waits for the process to be gone and collects the lines it wrote before.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
        while (_lines.Reader.TryRead(out var line))
        {
            Record(line);
        }
    }

    public async Task<int> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Record(string line)
    {
        var parts = line.Split(' ');
        switch (parts[0])
        {
            case "OPENED":
                Opened = parts[1..];
                break;
            case "R":
                ReceiptedSequences.Add(long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
                ReceiptedKeys.Add(parts[2]);
                break;
        }
    }
}
