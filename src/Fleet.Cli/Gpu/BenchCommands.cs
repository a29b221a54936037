using System.CommandLine;
using System.Globalization;
using Fleet.Cli.Common;
using Fleet.Domain.Catalog;
using Fleet.Gpu.Bench;
using Fleet.Gpu.BurnIn;
using Fleet.Gpu.Devices;
using Fleet.Gpu.Matmul;
using Spectre.Console;

namespace Fleet.Cli.Gpu;

/// <summary>`fleet gpu bench matmul|bandwidth`.</summary>
public static class BenchCommands
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks: matrix products per precision and copy bandwidth.");
        bench.Subcommands.Add(CreateMatmul());
        bench.Subcommands.Add(CreateBandwidth());
        return bench;
    }

    private static Option<string> DeviceOption() => new("--device") { Description = "A CUDA index or cpu (default: GPU 0, else the CPU).", DefaultValueFactory = _ => "all" };

    private static Command CreateMatmul()
    {
        var dtype = new Option<string>("--dtype") { Description = "fp64, fp32, tf32, fp16, bf16 or fp8.", DefaultValueFactory = _ => "bf16" };
        dtype.AcceptOnlyFromAmong("fp64", "fp32", "tf32", "fp16", "bf16", "fp8");
        var size = new Option<int?>("--size") { Description = "Matrix edge N for an N×N×N product (default: the device's, 8192 on GPUs)." };
        var repeats = new Option<int>("--repeats") { Description = "Timed repeats (the median is reported).", DefaultValueFactory = _ => 7 };
        var device = DeviceOption();
        var json = JsonOutput.CreateOption();
        var cmd = new Command("matmul", "Time N×N×N products (median of repeats after warm-up), verify the result, report TFLOP/s and % of catalog spec; the ILGPU tiled FP32 kernel runs beside cuBLAS.");
        foreach (var o in new Option[] { dtype, size, repeats, device, json })
        {
            cmd.Options.Add(o);
        }

        cmd.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            var target = JsonOutput.Target(r, json);
            var err = StderrConsole.Create();
            var precision = Enum.Parse<Precision>(r.GetValue(dtype)!, ignoreCase: true);
            var n = r.GetValue(size);
            if (n is <= 0 or > 46340)
            {
                throw new ArgumentException($"--size {n} is out of range (1..46340)");
            }

            var reps = r.GetValue(repeats);
            if (reps <= 0)
            {
                throw new ArgumentException($"--repeats {reps} must be positive");
            }

            using var discovery = new DeviceDiscovery();
            var inventory = discovery.Discover();
            var selected = DeviceDiscovery.Select(inventory, r.GetValue(device)!)[0];
            using var backend = discovery.Open(selected);
            backend.BindToCurrentThread();
            var edge = n ?? backend.Scale.MatmulSize;
            var engines = backend.Engines.Where(e => e.Supports(precision)).ToList();
            if (precision != Precision.Fp32)
            {
                // The ILGPU tiled kernel is an FP32 kernel: it runs beside cuBLAS for FP32 only.
                engines = engines.Take(1).ToList();
            }

            var notes = inventory.Notes.Concat(backend.Notes).ToList();
            List<MissingBenchRow> missing = [];
            if (selected.Kind == Fleet.Domain.Contracts.BurnIn.DeviceKind.Cuda && !engines.Any(e => e.Name == "cublas"))
            {
                // A GPU's figure without cuBLAS is not comparable with PyTorch's: the row is reported missing, with why.
                var why = string.Join("; ", backend.Notes.Where(n => n.Contains("cublas", StringComparison.OrdinalIgnoreCase)));
                missing.Add(new MissingBenchRow("cublas", precision, why.Length > 0 ? why : $"cuBLAS has no {precision} path on this device"));
            }
            foreach (var note in notes)
            {
                err.MarkupLine($"[yellow]note:[/] {Markup.Escape(note)}");
            }

            var rows = new List<MatmulBenchRow>();
            var benchmark = new MatmulBenchmark(TimeProvider.System) { Repeats = reps };
            foreach (var engine in engines)
            {
                err.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"[{selected.Id}] {precision.ToString().ToLowerInvariant()} {edge}x{edge}x{edge} on {engine.Name}...")));
                rows.Add(benchmark.Run(backend, engine, precision, edge, new Random(42), ct));
            }

            var report = new MatmulBenchReport { Device = backend.Info, Rows = rows, Notes = notes, Missing = missing };
            if (target != "-")
            {
                var c = CultureInfo.InvariantCulture;
                foreach (var row in rows)
                {
                    Console.Out.WriteLine(string.Create(c, $"{row.Engine,-12} {row.Precision.ToString().ToLowerInvariant(),-5} {row.Size,6}  {row.Tflops,10:F3} TFLOP/s ({row.Tflops * 1000:F3} GFLOP/s)  {(row.PercentOfSpec is { } p ? p.ToString("F1", c) + " % of spec" : "no catalog spec")}  median {row.MedianSecondsPerProduct * 1e3:F3} ms x{row.Batch}  {(row.Verified ? "verified" : "VERIFICATION FAILED")}"));
                }
            }

            foreach (var m in missing)
            {
                err.MarkupLine($"[red bold]MISSING:[/] {Markup.Escape($"{m.Engine} {m.Precision.ToString().ToLowerInvariant()}: {m.Reason}")}");
            }

            await JsonOutput.WriteAsync(target, report, ct);
            return rows.All(x => x.Verified) && missing.Count == 0 ? ExitCodes.Pass : ExitCodes.Failed;
        });
        return cmd;
    }

    private static Command CreateBandwidth()
    {
        var size = new Option<int?>("--size-mib") { Description = "MiB per transfer (default: the device's, 1024 on GPUs)." };
        var device = DeviceOption();
        var json = JsonOutput.CreateOption();
        var cmd = new Command("bandwidth", "Device-to-device (read + write bytes), host-to-device and device-to-host (pinned) copy bandwidth; median of repeats.");
        cmd.Options.Add(size);
        cmd.Options.Add(device);
        cmd.Options.Add(json);
        cmd.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            var target = JsonOutput.Target(r, json);
            var mib = r.GetValue(size);
            if (mib is <= 0)
            {
                throw new ArgumentException($"--size-mib {mib} must be positive");
            }

            using var discovery = new DeviceDiscovery();
            var inventory = discovery.Discover();
            var selected = DeviceDiscovery.Select(inventory, r.GetValue(device)!)[0];
            using var backend = discovery.Open(selected);
            backend.BindToCurrentThread();
            var bw = new BandwidthPhase(TimeProvider.System).Run(backend, ct, mib is { } m ? m * 1048576L : null);
            var spec = backend.Info.CatalogModel is { } name ? GpuCatalog.Find(name)?.MemoryBandwidthTbs * 1000 : null;
            var report = new BandwidthBenchReport { Device = backend.Info, Bandwidth = bw, SpecGBs = spec, PercentOfSpec = spec is > 0 ? 100 * bw.DeviceToDeviceGBs / spec : null };
            if (target != "-")
            {
                var c = CultureInfo.InvariantCulture;
                Console.Out.WriteLine(string.Create(c, $"[{selected.Id}] {backend.Info.Name}, {bw.Bytes / 1048576.0:F0} MiB per copy"));
                Console.Out.WriteLine(string.Create(c, $"    device-to-device {bw.DeviceToDeviceGBs:F2} GB/s{(report.PercentOfSpec is { } p ? $" ({p:F1} % of spec)" : string.Empty)}"));
                Console.Out.WriteLine(string.Create(c, $"    host-to-device   {bw.HostToDeviceGBs:F2} GB/s (pinned)"));
                Console.Out.WriteLine(string.Create(c, $"    device-to-host   {bw.DeviceToHostGBs:F2} GB/s (pinned)"));
            }

            await JsonOutput.WriteAsync(target, report, ct);
            return ExitCodes.Pass;
        });
        return cmd;
    }
}
