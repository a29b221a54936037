using Fleet.Domain.Contracts.BurnIn;
using System.Globalization;
using Fleet.Cli.Gpu;
using Fleet.Gpu.Backends;
using Fleet.Gpu.Backends.Cpu;
using Fleet.Gpu.BurnIn;
using Fleet.Gpu.Devices;
using Fleet.Cli.Common;
using Fleet.Cli.Infer;
using Fleet.Domain.Models;
using Fleet.Inference.Profiling;

namespace Fleet.Cli.Agent;

/// <summary>
/// Runs jobs with Fleet.Gpu's burn-in runner on this host's devices, or on CPU stand-ins for named cards; profile jobs with
/// Fleet.Inference's profiler on the job's card (the CUDA device it maps to), or on the CPU engine when the agent runs on the CPU.
/// </summary>
public sealed class LocalBurnInExecutor : IBurnInExecutor, IProfileExecutor, IDisposable
{
    /// <summary>The CPU engine's profile points: a stand-in measures the code path, not a card, so a few seconds suffice.</summary>
    private static readonly ProfileRequest s_cpuProfile = new("f32", [1, 2], [8, 16], 1);

    private readonly DeviceDiscovery _discovery = new();
    private readonly IReadOnlyList<GpuDeviceInfo> _selected;
    private readonly IReadOnlyList<string> _standIns;
    private readonly string _selector;
    private readonly FaultPlan _fault;
    private readonly int _seed;
    private readonly IProgress<BurnInProgress>? _deviceProgress;

    /// <summary>Discovers devices now; throws <see cref="ArgumentException"/> for a selector that matches none or stand-ins without <c>--device cpu</c>.</summary>
    public LocalBurnInExecutor(string selector, IReadOnlyList<string> standIns, FaultKind fault, int seed, IProgress<BurnInProgress>? deviceProgress, Action<string> note)
    {
        var inventory = _discovery.Discover();
        foreach (var n in inventory.Notes)
        {
            note(n);
        }

        _selected = DeviceDiscovery.Select(inventory, selector);
        if (standIns.Count > 0 && _selected.Any(d => d.Kind != DeviceKind.Cpu))
        {
            throw new ArgumentException("--stand-in needs --device cpu: only the CPU accelerator stands in for cards");
        }

        _selector = selector;
        _standIns = standIns;
        _fault = new FaultPlan(fault);
        _seed = seed;
        _deviceProgress = deviceProgress;
        Devices = standIns.Count > 0
            ? standIns.Select(StandInBackend.Describe).ToList()
            : _selected.Select(d => new AgentDevice(d.Uuid, d.Serial, d.PciBusId, d.Name)).ToList();
    }

    /// <inheritdoc/>
    public IReadOnlyList<AgentDevice> Devices { get; }

    /// <inheritdoc/>
    public async Task<BurnInResult> RunAsync(ClaimedJob job, IProgress<JobProgress> progress, CancellationToken ct)
    {
        var level = Enum.TryParse<BurnInLevel>(job.Level, ignoreCase: true, out var l) && Enum.IsDefined(l)
            ? l
            : throw new InvalidOperationException($"job {job.JobId}: unknown level '{job.Level}' (expected quick, standard or extended)");
        var plan = BurnInPlan.For(level, job.DurationSeconds is { } s && s > 0 ? TimeSpan.FromSeconds(s) : null);
        var settings = new BurnInSettings
        {
            Plan = plan,
            Fault = _fault,
            Seed = _seed,
            DeviceSelector = _selector,
            ToolVersion = GpuConsole.ToolVersion,
        };

        var backends = new List<IComputeBackend>();
        try
        {
            if (_standIns.Count > 0)
            {
                backends.AddRange(_standIns.Select(serial => new StandInBackend(new CpuBackend(), serial)));
            }
            else
            {
                backends.AddRange(_selected.Select(d => _discovery.Open(d)));
            }

            var relay = new ProgressRelay(plan, progress, _deviceProgress);
            var result = await new BurnInRunner(TimeProvider.System).RunAsync(backends, settings, relay, ct).ConfigureAwait(false);
            return _standIns.Count == 0
                ? result
                : result with { Devices = result.Devices.Select(d => d with { StandIn = d.Device.Serial is { } serial && _standIns.Contains(serial) }).ToList() };
        }
        finally
        {
            foreach (var b in backends)
            {
                b.Dispose();
            }
        }
    }

    /// <inheritdoc/>
    public async Task<string> RunProfileAsync(ClaimedJob job, IProgress<JobProgress> progress, CancellationToken ct)
    {
        var shape = ModelPresets.Find(job.Preset ?? "")
            ?? throw new InvalidOperationException($"job {job.JobId}: unknown preset '{job.Preset}' (this agent knows {string.Join(", ", ModelPresets.All.Select(p => p.Name))})");
        var card = job.Cards.Count == 1 ? job.Cards[0] : throw new InvalidOperationException($"job {job.JobId}: a profile job names one card, got {job.Cards.Count}");
        var relay = new ProfileRelay(progress);
        PerformanceProfile profile;
        if (_standIns.Count > 0 || _selected.All(d => d.Kind == DeviceKind.Cpu))
        {
            if (_standIns.Count > 0 && !_standIns.Contains(card.Serial))
            {
                throw new InvalidOperationException($"job {job.JobId}: card {card.Serial} is not one of this agent's stand-ins ({string.Join(", ", _standIns)})");
            }

            relay.Report($"cpu: the CPU engine stands in for {card.Serial} (f32; {job.Dtype} needs the card)");
            profile = await Task.Run(() =>
            {
                using var target = new CpuProfileTarget(shape, s_cpuProfile.Contexts.Max(), 0, new Random(_seed), TimeProvider.System);
                return new InferenceProfiler(TimeProvider.System).Run(target, shape, s_cpuProfile, relay, ct);
            }, ct).ConfigureAwait(false);
        }
        else
        {
            var device = _selected.FirstOrDefault(d => d.Kind == DeviceKind.Cuda && card.Uuid is { Length: > 0 } && string.Equals(d.Uuid, card.Uuid, StringComparison.OrdinalIgnoreCase))
                ?? _selected.FirstOrDefault(d => d.Kind == DeviceKind.Cuda && string.Equals(d.Serial, card.Serial, StringComparison.OrdinalIgnoreCase))
                ?? throw new InvalidOperationException($"job {job.JobId}: no device of this agent is card {card.Serial} (uuid {card.Uuid ?? "unknown"})");
            var dtype = job.Dtype ?? "bf16";
            var request = new ProfileRequest(dtype, [1, 8, 32, 128], [512, 2048]);
            profile = await Task.Run(() =>
            {
                using var target = InferDevices.CreateGpuProfileTarget(shape, dtype, request.Contexts.Max(), _seed, relay, device.CudaIndex ?? 0);
                return new InferenceProfiler(TimeProvider.System).Run(target, shape, request, relay, ct);
            }, ct).ConfigureAwait(false);
        }

        return System.Text.Json.JsonSerializer.Serialize(profile, JsonOutput.Options);
    }

    /// <inheritdoc/>
    public void Dispose() => _discovery.Dispose();

    /// <summary>The profiler's messages as the job's phase (its share done is not known up front).</summary>
    private sealed class ProfileRelay(IProgress<JobProgress> job) : IProgress<string>
    {
        public void Report(string value) => job.Report(new JobProgress(value.Length > 64 ? value[..64] : value, 50));
    }

    /// <summary>Turns device progress into the job's phase and an estimated percentage (stress time is known; the rest is short).</summary>
    private sealed class ProgressRelay(BurnInPlan plan, IProgress<JobProgress> job, IProgress<BurnInProgress>? device) : IProgress<BurnInProgress>
    {
        public void Report(BurnInProgress value)
        {
            device?.Report(value);
            var stress = Math.Max(1, plan.StressTime.TotalSeconds);
            var percent = value.Phase switch
            {
                "done" => 100,
                _ when value.Phase.StartsWith("gemm", StringComparison.Ordinal) => Math.Min(90, value.Elapsed.TotalSeconds / stress * 90),
                _ => 95,
            };
            job.Report(new JobProgress(value.Phase, Math.Round(percent, 1, MidpointRounding.AwayFromZero)));
        }
    }

    /// <summary>Comma-separated serials of <c>--stand-in</c>, trimmed, distinct.</summary>
    public static IReadOnlyList<string> ParseStandIns(string? text) =>
        string.IsNullOrWhiteSpace(text)
            ? []
            : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();

    internal static string Describe(IReadOnlyList<AgentDevice> devices) =>
        string.Join(", ", devices.Select(d => d.Serial is null ? d.Name : string.Create(CultureInfo.InvariantCulture, $"{d.Serial} ({d.Name})")));
}
