using BenchmarkDotNet.Attributes;
using Fleet.Domain.Models;
using Fleet.Inference.Checkpoints;
using Fleet.Inference.Cpu;
using Fleet.Inference.Model;

namespace Fleet.Benchmarks.Inference;

/// <summary>
/// Steady-state CPU decode: one token through the whole model at a mid-sequence position (tok/s = 1 / mean).
/// Compare with llama2.c's run.c via compare-runc.sh, which runs both back to back on the same checkpoints.
/// </summary>
[MemoryDiagnoser]
public class CpuDecodeBenchmarks
{
    private TransformerWeights? _weights;
    private CpuTransformer? _engine;
    private int _pos;

    [Params("stories-15m", "stories-110m")]
    public string Preset { get; set; } = "stories-15m";

    [Params(1, 2)]
    public int Threads { get; set; } = 2;

    [GlobalSetup]
    public void Setup()
    {
        var shape = ModelPresets.Find(Preset)!;
        _weights = SyntheticWeights.Create(shape.WithContext(shape.MaxContext), new Random(11));
        _engine = new CpuTransformer(_weights, Threads);
        for (var p = 0; p < 64; p++)
        {
            _engine.Forward(p % 100, p);
        }

        _pos = 64;
    }

    /// <summary>One decode step at position 64..127 (cycled so the KV cache never overflows).</summary>
    [Benchmark]
    public float DecodeStep()
    {
        var logits = _engine!.Forward(_pos % 1000, _pos);
        _pos = _pos >= 127 ? 64 : _pos + 1;
        return logits[0];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _engine?.Dispose();
        _weights?.Dispose();
    }
}
