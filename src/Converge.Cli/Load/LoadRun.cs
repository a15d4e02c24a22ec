using System.Diagnostics;
using System.Text.Json;
using Converge.Client;
using Converge.Client.Documents;

namespace Converge.Cli.Load;

/// <summary>
/// A load test: <see cref="Clients"/> writer clients push changes at <see cref="Rate"/> changes a second in total, each
/// to its own key <c>load/{i}</c> with its local send time; one more client, the observer, times each change from
/// the writer's push to its arrival in the observer's state (all in one process, so one monotonic clock serves both).
/// Under LWW a change the observer only sees after a newer one on the same key is not counted (the counts show it).
/// </summary>
internal sealed class LoadRun(Uri endpoint, string documentId, int clients, double rate, TimeSpan duration)
{
    private long _sent;
    private long _acknowledged;
    private long _failed;
    private long _observed;
    private long[] _lastSeen = [];

    /// <summary>The number of writer clients.</summary>
    public int Clients => clients;

    /// <summary>Changes a second, all writers together.</summary>
    public double Rate => rate;

    /// <summary>How many changes the run aims to send.</summary>
    public long Target => (long)Math.Round(rate * duration.TotalSeconds);

    /// <summary>Changes pushed.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Changes the server acknowledged.</summary>
    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    /// <summary>Changes the server refused or that failed.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Changes the observer saw applied (and timed).</summary>
    public long Observed => Interlocked.Read(ref _observed);

    /// <summary>Push-to-applied latencies, milliseconds.</summary>
    public LatencyHistogram Latencies { get; } = new();

    /// <summary>How long the sending phase actually took.</summary>
    public TimeSpan Elapsed { get; private set; }

    /// <summary>Connects everyone, sends for the duration, then waits (bounded) for the last acknowledgements and arrivals.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _lastSeen = new long[clients];
        var all = new List<ConvergeClient>();
        try
        {
            var observer = await ClientConnector.ConnectAsync(endpoint, keepReconnecting: true, cancellationToken);
            all.Add(observer);
            var watched = await observer.OpenDocumentAsync(documentId, cancellationToken);
            watched.Changed += OnObserved;
            var writers = await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
            {
                var client = await ClientConnector.ConnectAsync(endpoint, keepReconnecting: true, cancellationToken);
                lock (all)
                {
                    all.Add(client);
                }

                return await client.OpenDocumentAsync(documentId, cancellationToken);
            }));

            var started = Stopwatch.GetTimestamp();
            await Task.WhenAll(writers.Select((document, index) => WriteAsync(document, index, started, cancellationToken)));
            Elapsed = Stopwatch.GetElapsedTime(started);
            // Settle: every push answered and every writer's last change seen, or 10 s.
            var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 10;
            while ((Acknowledged + Failed < Sent || !AllSeen(writers)) && Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(50, cancellationToken);
            }

            watched.Changed -= OnObserved;
        }
        finally
        {
            await Task.WhenAll(all.Select(static async c =>
            {
                await c.StopAsync(CancellationToken.None);
                await c.DisposeAsync();
            }));
        }
    }

    // Each writer sends on its own schedule, offset so that the writers together send evenly.
    private async Task WriteAsync(ConvergeDocument document, int index, long started, CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromSeconds(clients / rate);
        var key = $"load/{index}";
        var offset = interval * index / clients;
        for (long n = 1; ; n++)
        {
            var due = offset + interval * (n - 1);
            if (due >= duration)
            {
                return;
            }

            var wait = due - Stopwatch.GetElapsedTime(started);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            var value = JsonSerializer.SerializeToElement(new Dictionary<string, long> { ["n"] = n, ["t"] = Stopwatch.GetTimestamp() });
            var receipt = await document.SetAsync(key, value, cancellationToken);
            Interlocked.Increment(ref _sent);
            _ = receipt.Acknowledged.ContinueWith(
                t => Interlocked.Increment(ref t.IsCompletedSuccessfully ? ref _acknowledged : ref _failed),
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private void OnObserved(object? sender, DocumentChangedEventArgs e)
    {
        var now = Stopwatch.GetTimestamp();
        for (var i = 0; i < _lastSeen.Length; i++)
        {
            if (e.State.TryGetValue($"load/{i}", out var value) && value.ValueKind == JsonValueKind.Object
                && value.TryGetProperty("n", out var n) && n.TryGetInt64(out var sequence) && sequence > _lastSeen[i]
                && value.TryGetProperty("t", out var t) && t.TryGetInt64(out var sentAt))
            {
                _lastSeen[i] = sequence;
                Interlocked.Increment(ref _observed);
                Latencies.Add(Stopwatch.GetElapsedTime(sentAt, now).TotalMilliseconds);
            }
        }
    }

    private bool AllSeen(ConvergeDocument[] writers)
    {
        for (var i = 0; i < writers.Length; i++)
        {
            if (writers[i].State.TryGetValue($"load/{i}", out var value) && value.TryGetProperty("n", out var n) && n.GetInt64() > Volatile.Read(ref _lastSeen[i]))
            {
                return false;
            }
        }

        return true;
    }
}
