using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Converge.LoadBench;

/// <summary>
/// One benchmark server (bench/Converge.BenchServer) in its own process on 127.0.0.1, measured from outside:
/// CPU time from the kernel's accounting (<see cref="Process.TotalProcessorTime"/>, i.e. /proc/&lt;pid&gt;/stat),
/// resident memory sampled from /proc/&lt;pid&gt;/status, and the managed heap after a forced GC from its
/// bench-only <c>/bench/gc</c> endpoint.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(1) };

    private readonly Process _process;
    private readonly string _dataDirectory;
    private int _disposed;

    private ServerProcess(Process process, int port, string dataDirectory)
    {
        _process = process;
        Port = port;
        _dataDirectory = dataDirectory;
    }

    public int Port { get; }

    public int Pid => _process.Id;

    public static async Task<ServerProcess> StartAsync(string serverDll, string system)
    {
        var port = FreePort();
        var data = Directory.CreateTempSubdirectory($"converge-bench-{system}-").FullName;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { serverDll, "--system", system, "--port", port.ToString(CultureInfo.InvariantCulture), "--data", data })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the bench server.");
        var server = new ServerProcess(process, port, data);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data == "ready")
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (!string.IsNullOrEmpty(e.Data))
            {
                Console.Error.WriteLine($"[{system} server] {e.Data}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        if (await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(60))) != ready.Task)
        {
            await server.DisposeAsync();
            throw new InvalidOperationException($"The {system} bench server did not start.");
        }

        return server;
    }

    /// <summary>CPU time the server has used so far (user + system, all threads).</summary>
    public TimeSpan CpuTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    /// <summary>Resident set size now, from /proc (VmRSS).</summary>
    public long ResidentBytes() => ReadStatusKilobytes(_process.Id, "VmRSS:") * 1024;

    /// <summary>Forces a full, compacting GC in the server and returns its managed heap and working set.</summary>
    public async Task<(long GcHeapBytes, long WorkingSetBytes)> CollectAsync()
    {
        var json = await Http.GetStringAsync(new Uri($"http://127.0.0.1:{Port}/bench/gc"));
        using var document = JsonDocument.Parse(json);
        return (document.RootElement.GetProperty("gcHeapBytes").GetInt64(), document.RootElement.GetProperty("workingSetBytes").GetInt64());
    }

    /// <summary>Changes the Converge server has made durable so far, and the store transactions that carried them.</summary>
    public async Task<(long Changes, long Transactions)> CommitsAsync()
    {
        var json = await Http.GetStringAsync(new Uri($"http://127.0.0.1:{Port}/bench/commits"));
        using var document = JsonDocument.Parse(json);
        return (document.RootElement.GetProperty("changes").GetInt64(), document.RootElement.GetProperty("transactions").GetInt64());
    }

    /// <summary>Samples the resident set every 100 ms until disposed and keeps the peak.</summary>
    public ResidentPeak SamplePeak() => new(this);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    internal static long ReadStatusKilobytes(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }

        return 0;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The peak resident set of a server over a stretch of time.</summary>
    internal sealed class ResidentPeak : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private long _peak;

        public ResidentPeak(ServerProcess server)
        {
            _peak = server.ResidentBytes();
            _loop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    _peak = Math.Max(_peak, server.ResidentBytes());
                    try
                    {
                        await Task.Delay(100, _stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }
            });
        }

        public long PeakBytes => _peak;

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            _stop.Dispose();
        }
    }
}
