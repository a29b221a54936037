using System.Globalization;
using Fleet.StandIn;

namespace Fleet.Cli.Tests.StandIn;

/// <summary>
/// The GPU inference engine's real CUDA host path (ILGPU's CUDA accelerator, Fleet's cuBLAS binding) run by the built
/// `fleet` on the stand-in H200. The stand-in never runs a kernel, so outputs are meaningless: these tests count
/// launches and read the arguments and operands the host path hands to the driver and cuBLAS.
/// </summary>
[Collection(BurnInProcesses.Name)]
public sealed class StandInInferenceTests : IDisposable
{
    // stories-15m (ModelShape.Stories15M): dim 288, hidden 768, 6 layers, 6 heads, 6 kv heads, head size 48.
    private const int Dim = 288;
    private const int KvDim = 288;
    private const int Layers15M = 6;
    private const int Heads = 6;
    private const int KvHeads = 6;
    private const int HeadSize = 48;

    // CUDA / cuBLAS header values: CUDA_R_32F, CUDA_R_16BF, CUBLAS_COMPUTE_32F, CUBLAS_OP_N, CUBLAS_OP_T.
    private const string R32F = "0";
    private const string R16BF = "14";
    private const string Compute32F = "68";
    private const string OpN = "0";
    private const string OpT = "1";

    private readonly string _folder = Directory.CreateTempSubdirectory("fleet-standin-infer-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task InferRunGpu_ExtraTokens_LaunchFourPerLayerPlusThreePerToken()
    {
        // A tiny checkpoint whose shape takes the fused path (dim and hidden in 16-byte rows, even head size), with GQA.
        const int layers = 3;
        var model = Path.Combine(_folder, "model.bin");
        var tokenizer = Path.Combine(_folder, "tokenizer.bin");
        var synth = await StandInFleet.RunAsync("infer", "synth", "--dim", "64", "--hidden-dim", "96", "--layers", layers.ToString(CultureInfo.InvariantCulture),
            "--heads", "4", "--kv-heads", "2", "--vocab", "512", "--seq-len", "32", "--out", model, "--tokenizer-out", tokenizer);
        Assert.True(synth.ExitCode == 0, synth.Stderr);

        // Greedy decoding from BOS alone: every step is one Forward. On the stand-in the logits stay zero, so the argmax
        // is token 0 (never BOS) and the run lasts exactly --steps tokens, however garbage the outputs.
        var shortRun = await RunGpuAsync(model, tokenizer, steps: 3);
        var longRun = await RunGpuAsync(model, tokenizer, steps: 8);

        // The documented plan per generated token (GpuTransformer.ForwardRows on one row): the embedding gather, then per
        // layer QKV+RMSNorm+RoPE+KV write, split-sequence attention, Wo + residual and the MLP, then the logit-row gather
        // and the classifier GEMV with the final RMSNorm fused in.
        var extraTokens = 8 - 3;
        var perToken = 1 + (layers * 4) + 2;
        var shortLaunches = shortRun.Where(IsLaunch).ToList();
        var longLaunches = longRun.Where(IsLaunch).ToList();
        Assert.Equal(extraTokens * perToken, longLaunches.Count - shortLaunches.Count);

        // Each extra token is the same launches: the last perToken launches of the long run, by kernel.
        var lastToken = longLaunches.TakeLast(perToken).Select(KernelName).ToList();
        Assert.Equal(layers, lastToken.Count(n => n.Contains("QkvRope", StringComparison.Ordinal)));
        Assert.Equal(layers, lastToken.Count(n => n.Contains("AttentionSplit", StringComparison.Ordinal)));
        Assert.Equal(layers, lastToken.Count(n => n.Contains("Mlp", StringComparison.Ordinal)));
        Assert.Equal(layers + 1, lastToken.Count(n => n.Contains("GemvWarp", StringComparison.Ordinal)));
        Assert.Single(lastToken, n => n.Contains("Embedding", StringComparison.Ordinal));
    }

    [Fact]
    public async Task InferProfileGpu_Prefill_StridedBatchedProductsInTheHandDerivedLayout()
    {
        var log = await ProfileAsync();
        var batched = StandInLibraries.LogLines(log, "stubcublas").Where(l => l.StartsWith("cublasGemmStridedBatchedEx ", StringComparison.Ordinal)).ToList();

        // Contexts 4 and 8 (the profiler adds half of a lone context) give prompt lengths 1, 2, 4 and 8: up to 4 rows take
        // the fused decode kernels (the cuBLAS backend's limit), 8 the cuBLAS prefill, from position 0 (P = T).
        Assert.NotEmpty(batched);
        var lengths = batched.Select(l => int.Parse(StandInLibraries.Field(l, "n")!, CultureInfo.InvariantCulture)).Distinct().Order().ToList();
        Assert.Equal([8], lengths);
        foreach (var t in lengths)
        {
            var calls = batched.Where(l => StandInLibraries.Field(l, "n") == t.ToString(CultureInfo.InvariantCulture)).ToList();
            // Per layer: Q·Kᵀ then P·V, one of each per query head in a kv group (heads / kvHeads = 1 here).
            Assert.True(calls.Count % (2 * Layers15M) == 0, $"{calls.Count} calls for T = {t}");
            for (var i = 0; i < calls.Count; i += 2)
            {
                // Sᵀ[p, t] = Σ_d K[p, d]·Q[t, d] per head, column-major: K is stored as hs × P (ld = KvDim, head g at g·hs),
                // so op(A) = Kᵀ; Q as hs × T (ld = Dim, head h at h·hs); scores [head][t][p] are P × T with ld = P.
                AssertCall(calls[i], new()
                {
                    ["ta"] = OpT, ["tb"] = OpN, ["m"] = $"{t}", ["n"] = $"{t}", ["k"] = $"{HeadSize}",
                    ["atype"] = R16BF, ["lda"] = $"{KvDim}", ["strideA"] = $"{HeadSize}",
                    ["btype"] = R16BF, ["ldb"] = $"{Dim}", ["strideB"] = $"{HeadSize}",
                    ["ctype"] = R32F, ["ldc"] = $"{t}", ["strideC"] = $"{t * t}",
                    ["batch"] = $"{KvHeads}", ["compute"] = Compute32F, ["alpha"] = "1", ["beta"] = "0",
                });
                // Oᵀ[d, t] = Σ_p V[p, d]·P[t, p]: V stored as hs × P (ld = KvDim), P as P × T (ld = P, head at h·T·P),
                // the output rows [T, Dim] as hs × T with ld = Dim, head h at h·hs.
                AssertCall(calls[i + 1], new()
                {
                    ["ta"] = OpN, ["tb"] = OpN, ["m"] = $"{HeadSize}", ["n"] = $"{t}", ["k"] = $"{t}",
                    ["atype"] = R16BF, ["lda"] = $"{KvDim}", ["strideA"] = $"{HeadSize}",
                    ["btype"] = R16BF, ["ldb"] = $"{t}", ["strideB"] = $"{t * t}",
                    ["ctype"] = R32F, ["ldc"] = $"{Dim}", ["strideC"] = $"{HeadSize}",
                    ["batch"] = $"{KvHeads}", ["compute"] = Compute32F, ["alpha"] = "1", ["beta"] = "0",
                });
            }
        }

        // The causal softmax runs between each Q·Kᵀ and its P·V: one row per (head, query), Heads·T rows.
        var ordered = File.ReadLines(log)
            .Where(l => l.Contains("cublasGemmStridedBatchedEx ", StringComparison.Ordinal) || (l.Contains("cuLaunchKernel(", StringComparison.Ordinal) && l.Contains("CausalSoftmax", StringComparison.Ordinal)))
            .ToList();
        for (var i = 0; i < ordered.Count; i += 3)
        {
            Assert.Contains("ta=1 ", ordered[i], StringComparison.Ordinal);
            Assert.Contains("CausalSoftmax", ordered[i + 1], StringComparison.Ordinal);
            var t = int.Parse(StandInLibraries.Field(ordered[i], "n")!, CultureInfo.InvariantCulture);
            Assert.Contains($"grid={Heads * t},1,1 ", ordered[i + 1], StringComparison.Ordinal);
            Assert.Contains("ta=0 ", ordered[i + 2], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task InferProfileGpu_Ceilings_BandwidthTimesADeviceCopyAndMatmulReadsRandomOperands()
    {
        var log = await ProfileAsync();
        var cuda = StandInLibraries.LogLines(log, "stubcuda");

        // Bandwidth: 1 GiB float buffers (256 Mi floats: the stand-in's 150 GB leave far more than that free), copied
        // device to device by the driver (not a kernel), once to warm up and three timed repeats.
        const long copyBytes = 256L << 22;
        var copies = cuda.Where(l => l.StartsWith("cuMemcpy", StringComparison.Ordinal) && StandInLibraries.Field(l, "bytes") == $"{copyBytes}").ToList();
        Assert.True(copies.Count >= 4, string.Join('\n', copies));
        Assert.All(copies, l => Assert.Equal("DtoD", StandInLibraries.Field(l, "kind")));

        // Matmul: 8192³ through the engine's backend (cuBLAS GemmEx here); W (A, 8192² bf16) uploaded random and nonzero
        // when cuBLAS reads it; X uploaded as random floats (on the device it is converted to bf16 by a kernel, which the
        // stand-in does not run, so cuBLAS's B reads zeros here: B is checked at its upload).
        const int n = 8192;
        var gemm = StandInLibraries.LogLines(log, "stubcublas")
            .Where(l => l.StartsWith("cublasGemmEx ", StringComparison.Ordinal) && StandInLibraries.Field(l, "m") == $"{n}" && StandInLibraries.Field(l, "n") == $"{n}")
            .ToList();
        Assert.True(gemm.Count >= 4, $"{gemm.Count} ceiling products");
        var elements = (long)n * n;
        Assert.All(gemm, l => Assert.True(long.Parse(StandInLibraries.Field(l, "anz")!, CultureInfo.InvariantCulture) > elements * 99 / 100, l));
        var wUpload = Assert.Single(cuda, l => StandInLibraries.Field(l, "kind") == "HtoD" && StandInLibraries.Field(l, "dst") == StandInLibraries.Field(gemm[0], "A"));
        Assert.Equal($"{elements * sizeof(ushort)}", StandInLibraries.Field(wUpload, "bytes"));
        var xUpload = Assert.Single(cuda, l => StandInLibraries.Field(l, "kind") == "HtoD" && StandInLibraries.Field(l, "bytes") == $"{elements * sizeof(float)}");
        Assert.True(long.Parse(StandInLibraries.Field(xUpload, "nz")!, CultureInfo.InvariantCulture) > elements * sizeof(float) * 9 / 10, xUpload);
    }

    private static bool IsLaunch(string line) => line.StartsWith("cuLaunchKernel(", StringComparison.Ordinal);

    private static string KernelName(string line) => line["cuLaunchKernel(".Length..line.IndexOf(' ', StringComparison.Ordinal)];

    private static void AssertCall(string line, Dictionary<string, string> expected)
    {
        foreach (var (key, value) in expected)
        {
            Assert.True(StandInLibraries.Field(line, key) == value, $"{key}: expected {value} in {line}");
        }
    }

    private static async Task<IReadOnlyList<string>> RunGpuAsync(string model, string tokenizer, int steps)
    {
        var run = await StandInFleet.RunAsync("infer", "run", "--checkpoint", model, "--tokenizer", tokenizer, "--device", "gpu",
            "--steps", steps.ToString(CultureInfo.InvariantCulture), "--temperature", "0", "--seed", "1");
        Assert.True(run.ExitCode == 0, run.Stderr);
        return run.Lines("stubcuda");
    }

    private static readonly Lazy<Task<string>> s_profile = new(async () =>
    {
        var run = await StandInFleet.RunAsync("infer", "profile", "--preset", "stories-15m", "--device", "gpu", "--dtype", "bf16",
            "--batch", "1,2", "--context", "8", "--repeats", "1");
        Assert.True(run.ExitCode == 0, run.Stderr);
        return run.Log;
    });

    /// <summary>One stand-in profile of stories-15m (bf16) shared by the tests that read its log.</summary>
    private static Task<string> ProfileAsync() => s_profile.Value;
}
