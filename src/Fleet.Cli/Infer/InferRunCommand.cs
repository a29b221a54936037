using System.CommandLine;
using System.Globalization;
using Fleet.Inference.Checkpoints;
using Fleet.Inference.Generation;
using Fleet.Inference.Model;
using Fleet.Inference.Sampling;
using Fleet.Inference.Tokenization;

namespace Fleet.Cli.Infer;

/// <summary>`fleet infer run`: llama2.c's run, same output bytes on stdout and the tok/s line on stderr.</summary>
public static class InferRunCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "llama2.c checkpoint (model.bin) or a Hugging Face model folder (config.json + *.safetensors).", Required = true };
        var tokenizer = new Option<string>("--tokenizer") { Description = "llama2.c tokenizer.bin.", Required = true };
        var prompt = new Option<string>("--prompt") { Description = "Prompt text; empty starts from BOS alone.", DefaultValueFactory = _ => string.Empty };
        var steps = new Option<int>("--steps") { Description = "Positions to run (0 = the model's seq_len).", DefaultValueFactory = _ => 256 };
        var temperature = new Option<float>("--temperature") { Description = "0 = greedy.", DefaultValueFactory = _ => 0f };
        var topp = new Option<float>("--topp") { Description = "Nucleus sampling threshold in [0, 1]; 0 or 1 disables it.", DefaultValueFactory = _ => 0.9f };
        var seed = new Option<long>("--seed") { Description = "Sampler seed (run.c's -s); 0 = the current time.", DefaultValueFactory = _ => 0 };
        var device = new Option<string>("--device") { Description = "cpu or gpu.", DefaultValueFactory = _ => "cpu" };
        device.AcceptOnlyFromAmong("cpu", "gpu");
        var threads = new Option<int>("--threads") { Description = "CPU worker threads (0 = all cores).", DefaultValueFactory = _ => 0 };
        var dtype = new Option<string>("--dtype") { Description = "GPU weight type: bf16 or f16 (the CPU engine is float32).", DefaultValueFactory = _ => "bf16" };

        var cmd = new Command("run", "Generate text from a checkpoint, printing exactly what llama2.c's run.c prints.");
        foreach (var o in new Option[] { checkpoint, tokenizer, prompt, steps, temperature, topp, seed, device, threads, dtype })
        {
            cmd.Options.Add(o);
        }

        cmd.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            var stepCount = r.GetValue(steps);
            var temp = r.GetValue(temperature);
            var p = r.GetValue(topp);
            if (stepCount < 0)
            {
                throw new ArgumentException($"--steps must be ≥ 0, got {stepCount}.");
            }

            if (!(temp >= 0) || float.IsInfinity(temp))
            {
                throw new ArgumentException($"--temperature must be a finite number ≥ 0, got {temp.ToString(CultureInfo.InvariantCulture)}.");
            }

            if (!(p >= 0 && p <= 1))
            {
                throw new ArgumentException($"--topp must be in [0, 1], got {p.ToString(CultureInfo.InvariantCulture)}.");
            }

            var seedValue = unchecked((ulong)r.GetValue(seed));
            if (seedValue == 0)
            {
                seedValue = (ulong)TimeProvider.System.GetUtcNow().ToUnixTimeSeconds();
            }

            using var weights = ModelLoader.Open(r.GetValue(checkpoint)!);
            var tok = Llama2Tokenizer.Load(r.GetValue(tokenizer)!, weights.Config.VocabSize);
            using var decoder = InferDevices.CreateDecoder(r.GetValue(device)!, weights, r.GetValue(threads), r.GetValue(dtype)!);
            var sampler = new Sampler(temp, p, seedValue);
            await using var stdout = Console.OpenStandardOutput();
            var result = Generator.Generate(decoder, tok, sampler, r.GetValue(prompt) ?? string.Empty, stepCount, TimeProvider.System,
                piece =>
                {
                    stdout.Write(piece.Span);
                    stdout.Flush();
                },
                ct);
            stdout.Write("\n"u8);
            await stdout.FlushAsync(ct);
            if (result.TokensPerSecond is { } rate)
            {
                await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"achieved tok/s: {rate:F6}"));
            }

            return ExitCodes.Pass;
        });
        return cmd;
    }
}
