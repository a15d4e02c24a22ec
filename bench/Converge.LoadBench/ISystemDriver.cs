namespace Converge.LoadBench;

/// <summary>
/// The clients of one system under test, in this process: one sender and many receivers, all subscribed to the
/// one document (group, broadcast) on loopback. Receivers report every message they decode to <see cref="Recorder"/>.
/// </summary>
internal interface ISystemDriver : IAsyncDisposable
{
    /// <summary>The system's name in the report.</summary>
    string Name { get; }

    /// <summary>Where receivers report deliveries; swapped between runs.</summary>
    DeliveryRecorder? Recorder { get; set; }

    /// <summary>Connects (and subscribes) the sender.</summary>
    Task ConnectSenderAsync();

    /// <summary>Connects <paramref name="count"/> receivers and returns once each is subscribed.</summary>
    Task ConnectReceiversAsync(int count);

    /// <summary>Sends one change carrying <paramref name="stamp"/>; returns once the client has handed it to its socket.</summary>
    ValueTask SendAsync(long stamp);
}

/// <summary>Opening many connections a few at a time, so the server's accept loop is not the bottleneck nor flooded.</summary>
internal static class Connecting
{
    public static async Task<List<T>> ManyAsync<T>(int count, Func<int, Task<T>> connect, int parallelism = 8)
    {
        var results = new T[count];
        var next = -1;
        var workers = Enumerable.Range(0, Math.Min(parallelism, Math.Max(1, count))).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                results[i] = await connect(i);
            }
        });
        await Task.WhenAll(workers);
        return [.. results];
    }
}
