using System.CommandLine;
using System.Globalization;
using Fleet.Cli.Common;
using Fleet.Domain.Contracts.BurnIn;
using Fleet.Gpu.Backends.Cuda;
using Fleet.Gpu.Devices;
using Fleet.Gpu.Native;
using Spectre.Console;

namespace Fleet.Cli.Gpu;

/// <summary>`fleet gpu devices`: every CUDA GPU with its identity, and the CPU accelerator; says why when no GPU is found.</summary>
public static class DevicesCommand
{
    /// <summary>The devices JSON ("fleet.devices/v1").</summary>
    public sealed record DevicesReport(string Schema, IReadOnlyList<GpuDeviceInfo> Devices, IReadOnlyList<string> Notes, IReadOnlyList<SmokeCheckResult>? Checks)
    {
        /// <summary>Where cuBLAS and cublasLt were found (the file), or why not.</summary>
        public IReadOnlyList<CudaLibraryLocation> Libraries { get; init; } = [];
    }

    public static Command Create()
    {
        var json = JsonOutput.CreateOption();
        var check = new Option<bool>("--check") { Description = "Also open each device and launch a trivial kernel, reporting which step fails (exit 1 if any does)." };
        var cmd = new Command("devices", "List CUDA GPUs (compute capability, memory, SMs, clocks, NVML identity, PCIe link) and the CPU accelerator.");
        cmd.Options.Add(json);
        cmd.Options.Add(check);
        cmd.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            var target = JsonOutput.Target(r, json);
            var err = StderrConsole.Create();
            using var discovery = new DeviceDiscovery();
            var inventory = discovery.Discover();
            foreach (var note in inventory.Notes)
            {
                err.MarkupLine($"[yellow]note:[/] {Markup.Escape(note)}");
            }

            var libraries = DeviceDiscovery.LocateCudaLibraries();
            if (target != "-")
            {
                Print(inventory);
            }

            foreach (var lib in libraries)
            {
                if (lib.Path is not null)
                {
                    err.MarkupLine(Markup.Escape($"{lib.Library}: {lib.Path}"));
                }
                else if (inventory.Gpus.Any())
                {
                    // (Without a GPU the JSON's "libraries" says why; nothing to warn about.)
                    // On a GPU host a missing cuBLAS turns every product into the slow ILGPU kernels: say so loudly.
                    err.MarkupLine($"[red bold]WARNING:[/] {Markup.Escape($"{lib.Library} not found: products fall back to the ILGPU kernels (capped at {CudaBackend.NaiveMatmulCap}); set {CudaLibraryLocator.OverrideVariable} to its folder. {lib.Reason}")}");
                }
            }

            List<SmokeCheckResult>? checks = null;
            if (r.GetValue(check))
            {
                checks = [];
                // A kernel compile failure leaves the PTX and the JIT log next to the result.
                var artifacts = target is null or "-" ? Environment.CurrentDirectory : Path.GetDirectoryName(Path.GetFullPath(target))!;
                foreach (var d in inventory.Devices)
                {
                    // Each step is printed as it completes: if a later one takes the process down, the earlier ones are on record.
                    var result = DeviceSmokeCheck.Run(discovery, d,
                        step => err.MarkupLine(Markup.Escape($"[{d.Id}] check {step.Step}: {(step.Ok ? "ok" : "FAILED: " + step.Error)}")),
                        artifacts);
                    checks.Add(result);
                    foreach (var file in result.Artifacts)
                    {
                        err.MarkupLine(Markup.Escape($"[{d.Id}] wrote {file}"));
                    }

                    foreach (var note in result.Notes)
                    {
                        err.MarkupLine(Markup.Escape($"[{d.Id}] note: {note}"));
                    }
                }
            }

            await JsonOutput.WriteAsync(target, new DevicesReport("fleet.devices/v1", inventory.Devices, inventory.Notes, checks) { Libraries = libraries }, ct);
            if (inventory.GpuProblem is { } problem)
            {
                // A driver without a usable GPU is a host that cannot run what it is for: say so in the exit code too.
                err.MarkupLine($"[red]error:[/] {Markup.Escape(problem)}");
                return ExitCodes.CouldNotRun;
            }

            return checks is not null && checks.Any(c => !c.Ok) ? ExitCodes.Failed : ExitCodes.Pass;
        });
        return cmd;
    }

    private static void Print(DeviceInventory inventory)
    {
        foreach (var d in inventory.Devices)
        {
            var c = CultureInfo.InvariantCulture;
            Console.Out.WriteLine(string.Create(c, $"[{d.Id}] {d.Name}") + (d.CatalogModel is null ? string.Empty : $" (catalog: {d.CatalogModel})"));
            if (d.Kind == DeviceKind.Cuda)
            {
                Console.Out.WriteLine(string.Create(c, $"    compute {d.ComputeCapability}, {GpuConsole.Gb(d.MemoryBytes)}, {d.MultiprocessorCount} SMs, {d.ClockMhz} MHz SM / {d.MemoryClockMhz} MHz memory, bus {d.MemoryBusWidthBits} bit"));
                Console.Out.WriteLine(string.Create(c, $"    PCI {d.PciBusId}, PCIe gen {d.PcieLinkGenerationCurrent?.ToString(c) ?? "?"}/{d.PcieLinkGenerationMax?.ToString(c) ?? "?"} x{d.PcieLinkWidthCurrent?.ToString(c) ?? "?"}/x{d.PcieLinkWidthMax?.ToString(c) ?? "?"} (current/max)"));
                Console.Out.WriteLine(string.Create(c, $"    UUID {d.Uuid ?? "?"}, serial {d.Serial ?? "?"}, board {d.BoardPartNumber ?? "?"}, VBIOS {d.VbiosVersion ?? "?"}, driver {d.DriverVersion ?? "?"}"));
            }
            else
            {
                Console.Out.WriteLine(string.Create(c, $"    {d.MultiprocessorCount} processors, {d.MaxThreadsPerGroup} threads/group, {GpuConsole.Gb(d.MemoryBytes)} host memory"));
            }
        }
    }
}
