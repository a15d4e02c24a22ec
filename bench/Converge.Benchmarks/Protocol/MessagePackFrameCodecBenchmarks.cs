using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Converge.Model.Documents;
using Converge.Protocol.Codecs;
using Converge.Protocol.Frames;

namespace Converge.Benchmarks.Protocol;

/// <summary>
/// Decode of the <c>changes</c> frame every receiver of the load benchmark's fan-out gets (issue 9): 64 changes by one
/// client, each <c>set t = [stamp, 48 × "x"]</c>. A client decodes every frame it receives, so this is a receiver's
/// CPU per delivery, apart from the socket.
/// </summary>
[MemoryDiagnoser]
public class MessagePackFrameCodecBenchmarks
{
    private readonly ArrayBufferWriter<byte> _buffer = new(8192);
    private ChangesFrame _frame = null!;
    private byte[] _encoded = [];

    [Params(1, 64)]
    public int Changes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var changes = Enumerable.Range(1, Changes)
            .Select(i => new ServerChange(i, "bench-sender", i,
                [new SetValue("t", JsonDocument.Parse($"[{638_000_000_000 + i},\"{new string('x', 48)}\"]").RootElement.Clone())]))
            .ToArray();
        _frame = new ChangesFrame("fanout", changes);
        MessagePackFrameCodec.Instance.Encode(_frame, _buffer);
        _encoded = _buffer.WrittenSpan.ToArray();
    }

    [Benchmark(Baseline = true)]
    public int Encode()
    {
        _buffer.ResetWrittenCount();
        MessagePackFrameCodec.Instance.Encode(_frame, _buffer);
        return _buffer.WrittenCount;
    }

    /// <summary>What a receiver does with each frame: decode it and read every change's stamp.</summary>
    [Benchmark]
    public long DecodeAndRead()
    {
        long sum = 0;
        foreach (var change in ((ChangesFrame)MessagePackFrameCodec.Instance.Decode(_encoded)).Changes)
        {
            sum += ((SetValue)change.Operations[0]).Value[0].GetInt64();
        }

        return sum;
    }
}
