using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Converge.Model.Documents;
using Converge.Protocol.Codecs;
using Converge.Protocol.Frames;

namespace Converge.Benchmarks.Protocol;

/// <summary>Encode and decode of a typical changes frame; the baseline for the binary codec to beat.</summary>
[MemoryDiagnoser]
public class JsonFrameCodecBenchmarks
{
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private ChangesFrame _frame = null!;
    private byte[] _encoded = [];

    [GlobalSetup]
    public void Setup()
    {
        var value = JsonDocument.Parse("""{"title":"Card","votes":3}""").RootElement;
        var changes = Enumerable.Range(1, 16)
            .Select(i => new ServerChange(i, "client-1", i, [new SetValue($"card-{i}", value)]))
            .ToArray();
        _frame = new ChangesFrame("board-1", changes);
        _encoded = JsonFrameCodec.Instance.Encode(_frame);
    }

    [Benchmark(Baseline = true)]
    public int Encode()
    {
        _buffer.ResetWrittenCount();
        JsonFrameCodec.Instance.Encode(_frame, _buffer);
        return _buffer.WrittenCount;
    }

    [Benchmark]
    public Frame Decode() => JsonFrameCodec.Instance.Decode(_encoded);
}
