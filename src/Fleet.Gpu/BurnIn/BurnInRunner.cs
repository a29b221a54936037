using Fleet.Domain.Contracts.BurnIn;
using Fleet.Gpu.Backends;
using Fleet.Gpu.Telemetry;

namespace Fleet.Gpu.BurnIn;

/// <summary>
/// Runs burn-in on every backend in parallel (one thread per device, bound to its context), samples telemetry meanwhile,
/// then judges all devices together (the peer check needs the whole run). Cancellation stops the phases and still returns
/// the partial result with <c>Complete = false</c>.
/// </summary>
public sealed class BurnInRunner(TimeProvider time)
{
    /// <summary>Runs the burn-in; never throws for a device failure (that becomes a TEST_ERROR finding).</summary>
    public async Task<BurnInResult> RunAsync(IReadOnlyList<IComputeBackend> backends, BurnInSettings settings,
        IProgress<BurnInProgress>? progress, CancellationToken ct)
    {
        var startedAt = time.GetUtcNow();
        var tasks = backends.Select((b, i) => RunDeviceAsync(b, settings, settings.Seed + i, progress, ct)).ToList();
        var outcomes = await Task.WhenAll(tasks).ConfigureAwait(false);

        var policy = new VerdictPolicy(settings.Thresholds);
        var evaluations = outcomes.Select(o => o.Evaluation).ToList();
        var devices = outcomes.Select(o =>
        {
            var findings = policy.Evaluate(o.Evaluation, evaluations).Concat(o.Errors).ToList();
            return o.Result with { Findings = findings, Verdict = VerdictPolicy.VerdictOf(findings) };
        }).ToList();

        return new BurnInResult
        {
            RunId = Guid.NewGuid().ToString("D"),
            Tool = new ToolInfo("fleet", settings.ToolVersion),
            Host = new HostInfo(Environment.MachineName, System.Runtime.InteropServices.RuntimeInformation.OSDescription, Environment.ProcessorCount),
            Options = new BurnInRunOptions
            {
                Level = settings.Plan.Level,
                DurationSeconds = settings.Plan.StressTime.TotalSeconds,
                InjectFault = settings.Fault.Kind,
                Seed = settings.Seed,
                Device = settings.DeviceSelector,
            },
            StartedAt = startedAt,
            EndedAt = time.GetUtcNow(),
            Complete = devices.All(d => d.Complete),
            Verdict = devices.Any(d => d.Verdict == Verdict.Fail) ? Verdict.Fail : Verdict.Pass,
            Devices = devices,
        };
    }

    /// <summary>A telemetry read that cannot stop the burn-in: a failure becomes a note and an empty snapshot.</summary>
    private TelemetrySnapshot SafeRead(IComputeBackend backend, List<string> notes)
    {
        try
        {
            return backend.Telemetry.Read(time.GetUtcNow());
        }
        catch (Exception ex) when (ex is Native.NvmlException or InvalidOperationException)
        {
            notes.Add($"telemetry read failed: {ex.Message}");
            return new TelemetrySnapshot { At = time.GetUtcNow() };
        }
    }

    private sealed record DeviceOutcome(DeviceBurnInResult Result, DeviceEvaluation Evaluation, IReadOnlyList<Finding> Errors);

    private async Task<DeviceOutcome> RunDeviceAsync(IComputeBackend backend, BurnInSettings settings, int seed,
        IProgress<BurnInProgress>? progress, CancellationToken ct)
    {
        var plan = settings.Plan;
        var sampler = new TelemetrySampler(backend.Telemetry, time, plan.TelemetryInterval);
        using var samplingStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var notes = backend.Notes.ToList();
        var before = SafeRead(backend, notes);
        var sampling = sampler.RunAsync(samplingStop.Token);
        var start = time.GetTimestamp();
        var id = backend.Info.Id;
        void Report(string phase, double? gflops = null, long errors = 0, string? message = null) => progress?.Report(new BurnInProgress
        {
            DeviceId = id,
            Phase = phase,
            Elapsed = time.GetElapsedTime(start),
            Gflops = gflops,
            TemperatureC = sampler.Latest?.TemperatureC,
            PowerW = sampler.Latest?.PowerW,
            Errors = errors,
            Message = message,
        });

        var gemm = new List<GemmStressMetrics>();
        MemoryTestMetrics? memory = null;
        BandwidthMetrics? bandwidth = null;
        var errors = new List<Finding>();
        var complete = false;
        GemmStressMetrics? inFlight = null; // the precision being stressed, kept when a cancel interrupts it
        var work = Task.Factory.StartNew(() =>
        {
            backend.BindToCurrentThread();
            var random = new Random(seed);
            var stress = new GemmStressPhase(time);
            var precisions = backend.StressPrecisions.Where(backend.Matmul.Supports).ToList();
            var perPrecision = plan.StressTime / Math.Max(1, precisions.Count);
            var n = settings.MatmulSize ?? backend.Scale.MatmulSize;
            foreach (var p in precisions)
            {
                Report($"gemm {p}".ToLowerInvariant(), message: $"{n}x{n} on {backend.Matmul.Name}");
                try
                {
                    var m = stress.Run(backend, backend.Matmul, p, n, perPrecision, settings.Fault, random, r =>
                    {
                        inFlight = r;
                        Report($"gemm {p}".ToLowerInvariant(), r.Gflops, r.RepeatMismatches + r.NonFinite);
                    }, ct);
                    gemm.Add(m);
                }
                catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
                {
                    // One precision's library failure must not hide the other precisions, the memory test or the telemetry.
                    lock (errors)
                    {
                        errors.Add(new Finding(FindingCodes.TestError, Severity.Error, $"gemm {p}: {ex.GetType().Name}: {ex.Message}",
                            Finding.EvidenceOf(("precision", p), ("engine", backend.Matmul.Name))));
                    }

                    Report($"gemm {p}".ToLowerInvariant(), message: $"error: {ex.Message}");
                }

                inFlight = null;
            }

            if (plan.RunMemory)
            {
                Report("memory");
                memory = new MemoryPatternPhase(time).Run(backend, MemoryPattern.ForLevel(plan.Level, seed), settings.Fault,
                    (pattern, total) => Report("memory", errors: total, message: pattern), ct, settings.PatternBytes);
            }

            if (plan.RunBandwidth)
            {
                Report("bandwidth");
                bandwidth = new BandwidthPhase(time).Run(backend, ct, settings.BandwidthBytes);
                Report("bandwidth", message: $"d2d {bandwidth.DeviceToDeviceGBs:F1} GB/s, h2d {bandwidth.HostToDeviceGBs:F1} GB/s, d2h {bandwidth.DeviceToHostGBs:F1} GB/s");
            }
        }, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        try
        {
            await work.ConfigureAwait(false);
            complete = true;
        }
        catch (OperationCanceledException)
        {
            if (inFlight is not null)
            {
                gemm.Add(inFlight);
            }

            Report("cancelled", message: "stopped; keeping the partial result");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            errors.Add(new Finding(FindingCodes.TestError, Severity.Error, $"{ex.GetType().Name}: {ex.Message}"));
            Report("error", message: ex.Message);
        }

        await samplingStop.CancelAsync().ConfigureAwait(false);
        await sampling.ConfigureAwait(false);
        var after = SafeRead(backend, notes);
        var samples = sampler.Samples;
        var summary = TelemetrySampler.Summarise(backend.Telemetry, plan.TelemetryInterval, before, after, samples);
        if (sampler.Error is { } e)
        {
            notes.Add($"telemetry sampling stopped: {e}");
        }

        var evaluation = new DeviceEvaluation
        {
            Device = backend.Info,
            Gemm = gemm,
            Memory = memory,
            Bandwidth = bandwidth,
            Before = before,
            After = after,
            Samples = samples,
        };
        var result = new DeviceBurnInResult
        {
            Device = backend.Info,
            Engine = backend.Matmul.Name,
            Complete = complete,
            Gemm = gemm,
            Memory = memory,
            Bandwidth = bandwidth,
            Telemetry = summary,
            Notes = notes,
        };
        Report("done", errors: errors.Count);
        return new DeviceOutcome(result, evaluation, errors);
    }
}
