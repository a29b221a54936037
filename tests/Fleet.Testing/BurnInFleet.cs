using System.Globalization;
using Fleet.Data;
using Fleet.Data.Seeding;
using Fleet.Domain;
using Fleet.Domain.Catalog;
using Fleet.Domain.Contracts.BurnIn;
using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;
using Microsoft.EntityFrameworkCore;

namespace Fleet.Testing;

/// <summary>A card as a test arranged it: where it sits and how an agent would see it.</summary>
public sealed record TestCard(string Serial, string Uuid, string Host, int Slot);

/// <summary>Arranges hosts full of Received cards for burn-in tests, and writes the <c>fleet.burnin/v1</c> documents agents would post.</summary>
public static class BurnInFleet
{
    public const string Model = "H100 SXM5 80GB";

    /// <summary>Adds a datacenter with <paramref name="hosts"/> hosts of <paramref name="cardsPerHost"/> placed, Received cards each.</summary>
    public static async Task<IReadOnlyList<TestCard>> AddHostsAsync(FleetDbContext db, string prefix, int hosts, int cardsPerHost, string model = Model)
    {
        var models = await DemoSeeder.EnsureCatalogAsync(db, CancellationToken.None);
        var now = DateTime.UtcNow;
        var dc = new Datacenter { Code = prefix.ToUpperInvariant(), Name = "Test " + prefix, ElectricityPricePerKwh = 0.1m };
        var rack = new Rack { Name = "r01", Datacenter = dc };
        db.Racks.Add(rack);
        var hostRows = Enumerable.Range(1, hosts)
            .Select(i => new Host { Hostname = string.Create(CultureInfo.InvariantCulture, $"{prefix}-h{i:D4}"), Rack = rack, GpuSlots = Math.Max(8, cardsPerHost) })
            .ToList();
        db.Hosts.AddRange(hostRows);
        await db.SaveChangesAsync();
        var cards = new List<TestCard>();
        var gpus = new List<Gpu>();
        foreach (var host in hostRows)
        {
            for (var slot = 0; slot < cardsPerHost; slot++)
            {
                var card = new TestCard(string.Create(CultureInfo.InvariantCulture, $"{host.Hostname}-s{slot}"), "GPU-" + Guid.NewGuid(), host.Hostname, slot);
                var gpu = new Gpu
                {
                    Serial = card.Serial, Uuid = card.Uuid, GpuModelId = models[model].Id, BoardPartNumber = "692-2G520-0200-000",
                    Vbios = "96.00.74.00.01", ReceivedAt = now,
                };
                gpu.PlaceIn(host, dc.Id, slot, now, string.Create(CultureInfo.InvariantCulture, $"00000000:{0x18 + slot:X2}:00.0"));
                gpus.Add(gpu);
                cards.Add(card);
            }
        }

        db.ChangeTracker.AutoDetectChangesEnabled = false;
        db.Gpus.AddRange(gpus);
        db.ChangeTracker.DetectChanges();
        await db.SaveChangesAsync();
        db.ChangeTracker.AutoDetectChangesEnabled = true;
        return cards;
    }

    /// <summary>Moves the arranged cards from Received to BurnIn, as a technician starting a profile or one-off run would.</summary>
    public static async Task ToBurnInAsync(FleetDbContext db, IEnumerable<TestCard> cards, string note = "arranged")
    {
        var serials = cards.Select(c => c.Serial).ToList();
        foreach (var gpu in await db.Gpus.Where(g => serials.Contains(g.Serial)).ToListAsync())
        {
            gpu.TransitionTo(GpuStatus.BurnIn, "test", Roles.Technician, DateTime.UtcNow, note);
        }

        await db.SaveChangesAsync();
    }

    /// <summary>What one device measured, for <see cref="Document"/>.</summary>
    public sealed record DeviceOutcome(string? Serial, string? Uuid, bool Fail = false, double Bf16Tflops = 700, double EnergyJ = 36_000,
        bool StandIn = false, bool Complete = true);

    /// <summary>A <c>fleet.burnin/v1</c> document for the devices, as an agent would post it.</summary>
    public static string Document(string runId, string host, IEnumerable<DeviceOutcome> devices, DateTimeOffset? startedAt = null)
    {
        var started = startedAt ?? DateTimeOffset.UtcNow;
        var results = devices.Select((d, i) => new DeviceBurnInResult
        {
            Device = new GpuDeviceInfo
            {
                Id = d.StandIn ? "cpu" : i.ToString(CultureInfo.InvariantCulture), Kind = d.StandIn ? DeviceKind.Cpu : DeviceKind.Cuda,
                CudaIndex = d.StandIn ? null : i, Name = d.StandIn ? "CPU accelerator" : "NVIDIA H100 80GB HBM3", MemoryBytes = 80L << 30,
                Uuid = d.Uuid, Serial = d.Serial, PciBusId = string.Create(CultureInfo.InvariantCulture, $"00000000:{0x18 + i:X2}:00.0"),
                VbiosVersion = "96.00.74.00.01", BoardPartNumber = "692-2G520-0200-000", CatalogModel = Model,
            },
            Engine = d.StandIn ? "ilgpu-cpu" : "cublas",
            StandIn = d.StandIn,
            Complete = d.Complete,
            Verdict = d.Fail ? Verdict.Fail : Verdict.Pass,
            Findings = d.Fail
                ? [new Finding(FindingCodes.MemoryError, Severity.Critical, "3 memory errors in pattern walking-ones",
                    Finding.EvidenceOf(("errors", 3), ("pattern", "walking-ones")))]
                : [],
            Gemm =
            [
                new GemmStressMetrics { Precision = Precision.Bf16, Engine = "cublas", Size = 8192, Rounds = 10, Products = 100, Gflops = d.Bf16Tflops * 1000 },
                new GemmStressMetrics { Precision = Precision.Fp32, Engine = "cublas", Size = 8192, Rounds = 10, Products = 100, Gflops = 50_000 },
            ],
            Bandwidth = new BandwidthMetrics { Bytes = 1L << 30, DeviceToDeviceGBs = 2900, HostToDeviceGBs = 52, DeviceToHostGBs = 50, PinnedHostMemory = true },
            Telemetry = new TelemetrySummary { Available = true, SampleIntervalSeconds = 1, MaxTemperatureC = 71, MaxPowerW = 690, EnergyJ = d.EnergyJ },
        }).ToList();
        var result = new BurnInResult
        {
            RunId = runId, Tool = new ToolInfo("fleet", "0.1.0"), Host = new HostInfo(host, "Linux", 2),
            Options = new BurnInRunOptions { Level = BurnInLevel.Quick, Seed = 1, Device = "all" }, StartedAt = started, EndedAt = started.AddSeconds(60),
            Complete = results.All(r => r.Complete), Verdict = results.Any(r => r.Verdict == Verdict.Fail) ? Verdict.Fail : Verdict.Pass, Devices = results,
        };
        return BurnInJson.Serialize(result);
    }

    /// <summary>The cards of a host as the agent sees them (all of them, passing).</summary>
    public static IEnumerable<DeviceOutcome> Seen(IEnumerable<TestCard> cards) => cards.Select(c => new DeviceOutcome(c.Serial, c.Uuid));

    public static async Task<Gpu> GpuAsync(FleetDbContext db, string serial) => await db.Gpus.AsNoTracking().FirstAsync(g => g.Serial == serial);
}
