using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Converge.Model.Text;
using Converge.Testing.Traces;

namespace Converge.Benchmarks.Text;

/// <summary>
/// Replays an editing trace into <see cref="CrdtText"/> several times and prints the medians as one JSON object:
/// replay time, bytes allocated, GC heap retained by the document, encoded size, encode and load (decode) time,
/// and the time another replica takes to integrate all the operations.
/// A custom runner rather than BenchmarkDotNet because the figures are whole-trace ones compared with Yjs's
/// (bench/yjs/trace.mjs, measured the same way). Run: dotnet run -c Release --project bench/Converge.Benchmarks -- text-trace [trace] [runs]
/// </summary>
internal static class TextTraceRunner
{
    public static int Run(string[] args)
    {
        var name = args.Length > 0 ? args[0] : "automerge-paper";
        var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        var trace = EditingTrace.Load(name);
        var patches = trace.Patches.ToArray();
        var results = new List<Result>();
        for (var run = 0; run < runs; run++)
        {
            results.Add(Measure(trace, patches));
        }

        double Median(Func<Result, double> pick) => results.Select(pick).Order().ElementAt(results.Count / 2);
        var summary = new Dictionary<string, object>
        {
            ["engine"] = "converge CrdtText",
            ["trace"] = name,
            ["patches"] = patches.Length,
            ["runs"] = runs,
            ["replayMs"] = Median(static r => r.ReplayMs),
            ["allocatedBytes"] = Median(static r => r.AllocatedBytes),
            ["heapBytes"] = Median(static r => r.HeapBytes),
            ["encodedBytes"] = Median(static r => r.EncodedBytes),
            ["encodeMs"] = Median(static r => r.EncodeMs),
            ["loadMs"] = Median(static r => r.LoadMs),
            ["items"] = Median(static r => r.Items),
            ["compactedEncodedBytes"] = Median(static r => r.CompactedBytes),
            ["integrateRemoteMs"] = Median(static r => r.IntegrateMs),
        };
        Console.WriteLine(JsonSerializer.Serialize(summary));
        return 0;
    }

    private static Result Measure(EditingTrace trace, TracePatch[] patches)
    {
        FullCollect();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var stopwatch = Stopwatch.StartNew();
        var text = new CrdtText("bench");
        text.Insert(0, trace.StartContent);
        foreach (var patch in patches)
        {
            text.Delete(patch.Position, patch.DeleteCount);
            text.Insert(patch.Position, patch.Insert);
        }

        var replayMs = stopwatch.Elapsed.TotalMilliseconds;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        FullCollect();
        var heap = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
        if (text.ToString() != trace.EndContent)
        {
            throw new InvalidOperationException("CrdtText did not reproduce endContent");
        }

        stopwatch.Restart();
        var encoded = text.Encode();
        var encodeMs = stopwatch.Elapsed.TotalMilliseconds;

        stopwatch.Restart();
        var loaded = CrdtText.Decode(encoded, "loader");
        var loadMs = stopwatch.Elapsed.TotalMilliseconds;
        if (loaded.ToString() != trace.EndContent)
        {
            throw new InvalidOperationException("the loaded CrdtText did not reproduce endContent");
        }

        // The remote path: a second replica integrates every operation of the first (collected in an untimed replay).
        var operations = new List<TextOperation>();
        void Add(TextOperation? operation)
        {
            if (operation is not null)
            {
                operations.Add(operation);
            }
        }

        var source = new CrdtText("bench");
        Add(source.Insert(0, trace.StartContent));
        foreach (var patch in patches)
        {
            Add(source.Delete(patch.Position, patch.DeleteCount));
            Add(source.Insert(patch.Position, patch.Insert));
        }

        var remote = new CrdtText("remote");
        stopwatch.Restart();
        foreach (var operation in operations)
        {
            remote.Integrate(operation);
        }

        var integrateMs = stopwatch.Elapsed.TotalMilliseconds;
        if (remote.ToString() != trace.EndContent)
        {
            throw new InvalidOperationException("the remote CrdtText did not reproduce endContent");
        }

        var items = text.ItemCount;
        // A single-replica history is all stable: what compaction leaves (not timed).
        text.Compact(text.Version);
        var compactedBytes = text.Encode().Length;
        return new Result(replayMs, allocated, heap, encoded.Length, encodeMs, loadMs, items, compactedBytes, integrateMs);
    }

    private static void FullCollect()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
    }

    private sealed record Result(double ReplayMs, double AllocatedBytes, double HeapBytes, double EncodedBytes, double EncodeMs, double LoadMs, double Items, double CompactedBytes, double IntegrateMs);
}
