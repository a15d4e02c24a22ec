using System.Diagnostics;

namespace Converge.LoadBench;

/// <summary>
/// One system on the fan-out harness: its server in its own process, one sender and N receivers here.
/// In order: idle memory per connection, a warm-up, a paced run below saturation (latency), a flat-out run
/// (throughput), then the load point (the configured total rate for a fixed window; saturation shows as
/// deliveries missing from the window). The server is killed after the last run, so nothing drains into the next.
/// </summary>
internal static class FanoutScenario
{
    public static async Task<SystemFanout> RunAsync(string serverDll, string system, Settings settings, int round)
    {
        Log($"{system}: starting server");
        await using var server = await ServerProcess.StartAsync(serverDll, system);
        ISystemDriver driver = system switch
        {
            "raw" => new RawDriver(server.Port),
            "signalr" => new SignalRDriver(server.Port),
            "converge" => new ConvergeDriver(server.Port),
            _ => throw new ArgumentException($"Unknown system {system}"),
        };
        try
        {
            await driver.ConnectSenderAsync();
            // Exercise the send path once before the memory baseline, so JIT and first-use allocations are in both figures.
            driver.Recorder = null;
            for (var i = 0; i < 200; i++)
            {
                await driver.SendAsync(Stopwatch.GetTimestamp());
            }

            await Task.Delay(500);
            var before = await server.CollectAsync();
            var connecting = Stopwatch.GetTimestamp();
            await driver.ConnectReceiversAsync(settings.Clients);
            var connectSeconds = Stopwatch.GetElapsedTime(connecting).TotalSeconds;
            await Task.Delay(1000);
            var after = await server.CollectAsync();
            Log($"{system}: {settings.Clients} receivers in {connectSeconds:0.0} s; heap {before.GcHeapBytes / 1048576.0:0.0} → {after.GcHeapBytes / 1048576.0:0.0} MiB, working set {before.WorkingSetBytes / 1048576.0:0.0} → {after.WorkingSetBytes / 1048576.0:0.0} MiB");

            await RunLoadAsync(driver, server, "warm-up", settings.Clients, rate: 200, messages: 100, windowSeconds: null);
            var runs = new List<LoadRun>
            {
                await RunLoadAsync(driver, server, "paced", settings.Clients, settings.PacedRate, (int)(settings.PacedRate * settings.PacedSeconds), windowSeconds: null),
                await RunLoadAsync(driver, server, "flat-out", settings.Clients, 0, settings.FlatMessages, windowSeconds: null),
                await RunLoadAsync(driver, server, "load point", settings.Clients, settings.Rate, (int)(settings.Rate * settings.Seconds),
                    windowSeconds: (settings.Seconds, settings.Grace)),
            };
            var closed = driver is ConvergeDriver converge ? converge.Closed : 0;
            return new SystemFanout(system, driver.Name, round, settings.Clients, connectSeconds,
                (after.GcHeapBytes - before.GcHeapBytes) / settings.Clients, (after.WorkingSetBytes - before.WorkingSetBytes) / settings.Clients,
                before.GcHeapBytes, after.GcHeapBytes, before.WorkingSetBytes, after.WorkingSetBytes, runs, closed);
        }
        finally
        {
            // Kill the server first: closing 1,000 clients gracefully against a saturated server only adds waiting.
            await server.DisposeAsync();
            await driver.DisposeAsync();
        }
    }

    /// <summary>
    /// Sends <paramref name="messages"/> changes at <paramref name="rate"/> per second. Without a window, waits until
    /// every receiver has every change (at most a minute after sending ends). With one, sending stops after its first
    /// part even if not every change went out, and deliveries count until the grace period after that.
    /// </summary>
    private static async Task<LoadRun> RunLoadAsync(ISystemDriver driver, ServerProcess server, string name, int receivers, int rate, int messages,
        (double Send, double Grace)? windowSeconds)
    {
        var recorder = new DeliveryRecorder((long)receivers * messages);
        driver.Recorder = recorder;
        using var self = Process.GetCurrentProcess();
        var serverCpu = server.CpuTime();
        var loadCpu = self.TotalProcessorTime;
        await using var peak = server.SamplePeak();
        var started = Stopwatch.GetTimestamp();
        var sendUntil = windowSeconds is { } w ? started + (long)(w.Send * Stopwatch.Frequency) : long.MaxValue;
        var pacer = new SendPacer(rate);
        long sent = 0;
        string? senderFailed = null;
        for (var m = 0; m < messages && Stopwatch.GetTimestamp() < sendUntil; m++)
        {
            await pacer.WaitTurnAsync(m);
            try
            {
                await driver.SendAsync(Stopwatch.GetTimestamp());
            }
            catch (Exception ex)
            {
                senderFailed = ex.Message;
                Log($"  {driver.Name} {name}: the sender failed after {sent} changes: {ex.Message}");
                break;
            }

            sent++;
        }

        var sendSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        long end;
        bool complete;
        if (senderFailed is not null)
        {
            recorder.CloseWindowAt(Stopwatch.GetTimestamp() + Stopwatch.Frequency * 5);
        }

        if (windowSeconds is { } window)
        {
            end = started + (long)((Math.Max(window.Send, sendSeconds) + window.Grace) * Stopwatch.Frequency);
            recorder.CloseWindowAt(end);
            var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), end);
            complete = await Task.WhenAny(recorder.Done, Task.Delay(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero)) == recorder.Done;
            if (complete)
            {
                end = recorder.LastDelivery;
            }
        }
        else
        {
            complete = await Task.WhenAny(recorder.Done, Task.Delay(TimeSpan.FromSeconds(senderFailed is null ? 60 : 5))) == recorder.Done;
            end = complete ? recorder.LastDelivery : Stopwatch.GetTimestamp();
        }

        var wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var serverCpuSeconds = (server.CpuTime() - serverCpu).TotalSeconds;
        var serverCores = serverCpuSeconds / wall;
        self.Refresh();
        var loadCpuSeconds = (self.TotalProcessorTime - loadCpu).TotalSeconds;
        var loadCores = loadCpuSeconds / wall;
        var expected = receivers * sent;
        var run = new LoadRun(name, rate, sent, sendSeconds, expected, recorder.Delivered, recorder.Late,
            Stopwatch.GetElapsedTime(started, end).TotalSeconds, recorder.Percentile(0.50), recorder.Percentile(0.99), recorder.Percentile(0.999),
            serverCores, loadCores, peak.PeakBytes, recorder.Delivered >= expected, senderFailed, LoadAverage(), serverCpuSeconds, loadCpuSeconds);
        driver.Recorder = null;
        Log($"  {driver.Name} {name}: sent {sent} in {sendSeconds:0.00} s, delivered {run.Delivered:N0}/{expected:N0} ({run.DeliveredPerSecond:N0}/s), " +
            $"p50 {run.P50Ms:0.0} p99 {run.P99Ms:0.0} p999 {run.P999Ms:0.0} ms, server {serverCores:0.00} cores ({run.ServerCpuMicrosPerDelivery:0.00} µs/delivery), load {loadCores:0.00} cores, peak RSS {run.ServerPeakRssBytes / 1048576.0:0} MiB, loadavg {run.LoadAverage:0.0}");
        if (!complete && windowSeconds is null)
        {
            Log($"  {driver.Name} {name}: INCOMPLETE after 60 s");
        }

        // Let stragglers of this run land before the next starts.
        await Task.Delay(windowSeconds is null ? 500 : 0);
        return run;
    }

    /// <summary>The machine's 1-minute load average (/proc/loadavg): this box is shared, and other work shows here.</summary>
    public static double LoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }

    public static void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
}
