using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Converge.Testing;

namespace Converge.IntegrationTests.Infrastructure;

/// <summary>
/// tests/Converge.ServerHost in a child process (<c>dotnet Converge.ServerHost.dll port store…</c>): started and awaited
/// until it prints <c>LISTENING</c>, and killed with SIGKILL (<see cref="Process.Kill(bool)"/>): no shutdown code runs.
/// </summary>
internal sealed class ServerHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _output = [];
    private int _disposed;

    private ServerHostProcess(Process process) => _process = process;

    public static string HostPath
    {
        get
        {
            // Same configuration and framework as these tests: bin/<Configuration>/<tfm>/ under the host's project.
            var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var path = Path.Combine(RepositoryPaths.Root, "tests", "Converge.ServerHost", "bin", here.Parent!.Name, here.Name, "Converge.ServerHost.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("Build tests/Converge.ServerHost first (the integration tests' build does).", path);
        }
    }

    /// <summary>What the host wrote (stdout and stderr), for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    /// <summary>A loopback port nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    public static async Task<ServerHostProcess> StartAsync(int port, IReadOnlyList<string> storeArguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(HostPath);
        start.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        foreach (var argument in storeArguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var host = new ServerHostProcess(process);
        process.OutputDataReceived += (_, e) => host.Record(e.Data);
        process.ErrorDataReceived += (_, e) => host.Record(e.Data);
        process.Exited += (_, _) => host._listening.TrySetException(new InvalidOperationException("The server host exited before listening."));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await host._listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            await host.DisposeAsync();
            throw new Xunit.Sdk.XunitException($"The server host did not start: {ex.Message}\n{host.Output}");
        }

        return host;
    }

    /// <summary>SIGKILL: the process ends at once, whatever it was doing.</summary>
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

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
        }

        if (line.StartsWith("LISTENING", StringComparison.Ordinal))
        {
            _listening.TrySetResult();
        }
    }
}
