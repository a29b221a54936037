using System.Text.Json;
using Fleet.Domain.Models;
using Fleet.Inference.Checkpoints;
using Fleet.Inference.Cpu;
using Fleet.Inference.Generation;
using Fleet.Inference.Model;
using Fleet.Inference.Sampling;
using Fleet.Inference.Tokenization;

namespace Fleet.Cli.Tests.Infer;

public class InferCommandTests
{
    private static readonly ModelShape Config = ModelShape.Of(64, 96, 2, 4, 2, 500, 64, false);

    private static (string Model, string Tokenizer) WriteModel(TempFolder dir)
    {
        using var w = SyntheticWeights.Create(Config, new Random(21));
        Llama2Checkpoint.Write(dir.File("m.bin"), w);
        SyntheticTokenizer.Create(Config.VocabSize, new Random(22)).Write(dir.File("t.bin"));
        return (dir.File("m.bin"), dir.File("t.bin"));
    }

    [Fact]
    public async Task Run_GreedyPrompt_PrintsLibraryGenerationAndTokRate()
    {
        using var dir = new TempFolder();
        var (model, tok) = WriteModel(dir);

        var (code, stdout, stderr) = await FleetProcess.RunRawAsync("infer", "run", "--checkpoint", model, "--tokenizer", tok, "--prompt", "the cat", "--steps", "40");

        using var w = Llama2Checkpoint.Open(model);
        using var engine = new CpuTransformer(w, 1);
        var expected = Generator.Generate(engine, Llama2Tokenizer.Load(tok, Config.VocabSize), new Sampler(0, 0.9f, 1), "the cat", 40, TimeProvider.System);
        Assert.Equal(0, code);
        Assert.Equal([.. expected.Text, (byte)'\n'], stdout);
        Assert.Matches(@"achieved tok/s: \d+\.\d{6}", stderr);
    }

    [Fact]
    public async Task Run_SameSeedTwice_SameSampledText()
    {
        using var dir = new TempFolder();
        var (model, tok) = WriteModel(dir);
        string[] args = ["infer", "run", "--checkpoint", model, "--tokenizer", tok, "--temperature", "1", "--topp", "0.9", "--seed", "77", "--steps", "30"];
        var first = await FleetProcess.RunRawAsync(args);
        var second = await FleetProcess.RunRawAsync(args);
        Assert.Equal(0, first.ExitCode);
        Assert.Equal(first.Stdout, second.Stdout);
    }

    [Fact]
    public async Task Run_TruncatedCheckpoint_Exit2NamingTheTensor()
    {
        using var dir = new TempFolder();
        var (model, tok) = WriteModel(dir);
        using (var f = new FileStream(model, FileMode.Open))
        {
            f.SetLength(f.Length / 2);
        }

        var (code, _, stderr) = await FleetProcess.RunRawAsync("infer", "run", "--checkpoint", model, "--tokenizer", tok);
        Assert.Equal(2, code);
        Assert.Contains("truncated: tensor '", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_TokenizerTooSmallForModel_Exit2()
    {
        using var dir = new TempFolder();
        var (model, _) = WriteModel(dir);
        SyntheticTokenizer.Create(400, new Random(1)).Write(dir.File("small.bin"));
        var (code, _, stderr) = await FleetProcess.RunRawAsync("infer", "run", "--checkpoint", model, "--tokenizer", dir.File("small.bin"));
        Assert.Equal(2, code);
        Assert.Contains("token 400", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--topp", "1.5")]
    [InlineData("--temperature", "-1")]
    [InlineData("--steps", "-3")]
    public async Task Run_BadSamplingOption_Exit2(string option, string value)
    {
        using var dir = new TempFolder();
        var (model, tok) = WriteModel(dir);
        var (code, _, stderr) = await FleetProcess.RunRawAsync("infer", "run", "--checkpoint", model, "--tokenizer", tok, option, value);
        Assert.Equal(2, code);
        Assert.Contains(option, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Profile_BigPresetOnCpu_RefusesWithExit2()
    {
        var (code, _, stderr) = await FleetProcess.RunRawAsync("infer", "profile", "--preset", "llama-3.1-8b");
        Assert.Equal(2, code);
        Assert.Contains("--device gpu", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Profile_BadBatchList_Exit2()
    {
        var (code, _, stderr) = await FleetProcess.RunRawAsync("infer", "profile", "--preset", "stories-15m", "--batch", "1,x");
        Assert.Equal(2, code);
        Assert.Contains("--batch: 'x'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Profile_Stories15mTinySizes_WritesProfileJson()
    {
        using var dir = new TempFolder();
        var (code, _, stderr) = await FleetProcess.RunRawAsync(
            "infer", "profile", "--preset", "stories-15m", "--batch", "1,2", "--context", "8,16", "--repeats", "1", "--json", dir.File("p.json"));

        Assert.True(code == 0, stderr);
        var profile = JsonSerializer.Deserialize<PerformanceProfile>(await File.ReadAllTextAsync(dir.File("p.json")), JsonOutput.Options)!;
        Assert.Equal("fleet.inference-profile/v1", profile.Schema);
        Assert.Equal("cpu", profile.GpuModel);
        Assert.Equal("stories-15m", profile.Model);
        Assert.Equal(4, profile.DecodePoints.Count);
        Assert.All(profile.DecodePoints, d => Assert.True(d.Seconds > 0));
        Assert.Equal(ModelPresets.Stories15M.Parameters * 4, profile.Memory.WeightBytes);
        Assert.Equal(ModelPresets.Stories15M.KvBytesPerToken(4), profile.Memory.KvBytesPerToken);
        Assert.True(profile.DecodeMbu > 0);
        Assert.Contains("decode B=2 ctx=16", stderr, StringComparison.Ordinal);
    }
}
