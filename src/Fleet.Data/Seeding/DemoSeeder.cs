using System.Globalization;
using Fleet.Domain;
using Fleet.Domain.Audit;
using Fleet.Domain.Catalog;
using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;
using Fleet.Domain.Procurement;
using Fleet.Domain.Rma;

namespace Fleet.Data.Seeding;

/// <summary>
/// Fills an empty database with the demo fleet: two datacenters, 1,250 eight-GPU hosts, 10,000 cards of a realistic
/// model mix, purchase orders, costs and statuses. Deterministic for a given seed; bulk-written, not tracked.
/// </summary>
public sealed class DemoSeeder(IDatabaseProvider provider, TimeProvider time)
{
    private static readonly (string Model, int Hosts, string Prefix)[] s_mix =
    [
        ("H100 SXM5 80GB", 600, "1654"),
        ("H200 SXM 141GB", 300, "1655"),
        ("A100 SXM4 80GB", 200, "1563"),
        ("L40S 48GB", 100, "1324"),
        ("B200 180GB", 50, "1790"),
    ];

    private static readonly string[] s_vendors = ["Dell Technologies", "Supermicro", "Hewlett Packard Enterprise", "Lenovo"];

    /// <summary>Inserts the GPU catalog if it is missing; returns the models by name.</summary>
    public static async Task<Dictionary<string, GpuModel>> EnsureCatalogAsync(FleetDbContext db, CancellationToken ct)
    {
        var existing = await db.GpuModels.ToDictionaryAsync(m => m.Name, StringComparer.OrdinalIgnoreCase, ct);
        foreach (var model in GpuCatalog.Models.Where(m => !existing.ContainsKey(m.Name)))
        {
            var copy = new GpuModel
            {
                Name = model.Name, Vendor = model.Vendor, Architecture = model.Architecture, FormFactor = model.FormFactor,
                MemoryGb = model.MemoryGb, MemoryBandwidthTbs = model.MemoryBandwidthTbs, Fp64Tflops = model.Fp64Tflops,
                Fp32Tflops = model.Fp32Tflops, Tf32Tflops = model.Tf32Tflops, Fp16Tflops = model.Fp16Tflops,
                Bf16Tflops = model.Bf16Tflops, Fp8Tflops = model.Fp8Tflops, TdpW = model.TdpW, TypicalPriceUsd = model.TypicalPriceUsd,
            };
            db.GpuModels.Add(copy);
            existing[copy.Name] = copy;
        }

        await db.SaveChangesAsync(ct);
        return existing;
    }

    /// <summary>True when the database holds no datacenter and no GPU.</summary>
    public static async Task<bool> IsEmptyAsync(FleetDbContext db, CancellationToken ct) =>
        !await db.Datacenters.AnyAsync(ct) && !await db.Gpus.AnyAsync(ct);

    /// <summary>Seeds the demo fleet in one transaction. <paramref name="hostScale"/> multiplies the host count (1 = 10,000 GPUs).</summary>
    public async Task SeedAsync(FleetDbContext db, int seed = 42, double hostScale = 1.0, CancellationToken ct = default)
    {
        var random = new Random(seed);
        var now = time.GetUtcNow().UtcDateTime;
        var previousDetect = db.ChangeTracker.AutoDetectChangesEnabled;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        await using var tx = await db.Database.BeginTransactionAsync(ct);

        var models = await EnsureCatalogAsync(db, ct);
        var datacenters = new[]
        {
            new Datacenter { Code = "FRA1", Name = "Frankfurt 1", PowerCapacityKw = 12000, Pue = 1.25m, ElectricityPricePerKwh = 0.19m, Currency = "EUR" },
            new Datacenter { Code = "IAD1", Name = "Ashburn 1", PowerCapacityKw = 14000, Pue = 1.35m, ElectricityPricePerKwh = 0.08m, Currency = "USD" },
        };
        db.Datacenters.AddRange(datacenters);
        var vendors = s_vendors.Select(v => new Vendor { Name = v, ContactEmail = $"orders@{v.Split(' ')[0].ToLowerInvariant()}.example" }).ToList();
        db.Vendors.AddRange(vendors);
        await db.SaveChangesAsync(ct);

        // Racks of four 8-GPU hosts, half the hosts of each model in each datacenter.
        var hostPlan = new List<(Datacenter Dc, string Model, string Prefix)>();
        foreach (var (model, hostCount, prefix) in s_mix)
        {
            var count = Math.Max(2, (int)Math.Round(hostCount * hostScale));
            for (var i = 0; i < count; i++)
            {
                hostPlan.Add((datacenters[i % 2], model, prefix));
            }
        }

        var racks = new List<Rack>();
        var hosts = new List<Host>();
        foreach (var dc in datacenters)
        {
            var dcHosts = hostPlan.Where(h => h.Dc == dc).ToList();
            for (var i = 0; i < dcHosts.Count; i++)
            {
                if (i % 4 == 0)
                {
                    racks.Add(new Rack { DatacenterId = dc.Id, Name = $"R{(i / 4) + 1:D3}" });
                }
            }
        }

        await provider.BulkWriter.InsertAsync(db, racks, ct);
        var rackIds = await db.Racks.AsNoTracking().Select(r => new { r.Id, r.DatacenterId, r.Name })
            .ToDictionaryAsync(r => (r.DatacenterId, r.Name), r => r.Id, ct);

        var hostModel = new Dictionary<string, (string Model, string Prefix, int DatacenterId)>();
        foreach (var dc in datacenters)
        {
            var dcHosts = hostPlan.Where(h => h.Dc == dc).ToList();
            for (var i = 0; i < dcHosts.Count; i++)
            {
                var rack = $"R{(i / 4) + 1:D3}";
                var name = $"{dc.Code.ToLowerInvariant()}-{rack.ToLowerInvariant()}-h{(i % 4) + 1}";
                var serverModel = dcHosts[i].Model.StartsWith("L40S", StringComparison.Ordinal) ? "Dell PowerEdge R760xa" :
                    dcHosts[i].Model.StartsWith("B200", StringComparison.Ordinal) ? "NVIDIA DGX B200" : "Supermicro SYS-821GE-TNHR";
                hosts.Add(new Host
                {
                    RackId = rackIds[(dc.Id, rack)], Hostname = name, ServerModel = serverModel, GpuSlots = 8,
                    Serial = $"SRV{random.Next(10_000_000, 99_999_999).ToString(CultureInfo.InvariantCulture)}",
                });
                hostModel[name] = (dcHosts[i].Model, dcHosts[i].Prefix, dc.Id);
            }
        }

        await provider.BulkWriter.InsertAsync(db, hosts, ct);
        var hostIds = await db.Hosts.AsNoTracking().ToDictionaryAsync(h => h.Hostname, h => h.Id, ct);
        foreach (var host in hosts)
        {
            host.Id = hostIds[host.Hostname];
        }

        // One purchase order per (model, datacenter, year), planned first: each gets as many cards as the hosts draw.
        var plans = new List<OrderPlan>();
        var poNumber = 1000;
        var firstReceipt = new DateTime(now.Year - 3, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        foreach (var (model, _, _) in s_mix)
        {
            foreach (var dc in datacenters)
            {
                for (var year = 0; year < 3; year++)
                {
                    var orderedAt = firstReceipt.AddMonths((year * 12) + random.Next(0, 6));
                    var number = $"PO-{orderedAt.Year}-{poNumber++}";
                    var vendorId = vendors[random.Next(vendors.Count)].Id;
                    var unit = models[model].TypicalPriceUsd * (dc.Currency == "EUR" ? 0.92m : 1m) * (decimal)(0.9 + (random.NextDouble() * 0.15));
                    plans.Add(new OrderPlan(number, vendorId, orderedAt, dc.Currency, dc.Id, models[model].Id, Math.Round(unit, 2)));
                }
            }
        }

        // Cards of an RMA state start as Failed and go through their case below, so each has one.
        var gpus = new List<(Gpu Gpu, OrderPlan Plan, GpuStatus Target)>(hosts.Count * 8);
        var serial = 0;
        foreach (var host in hosts)
        {
            var (model, prefix, dcId) = hostModel[host.Hostname];
            var candidates = plans.Where(o => o.DatacenterId == dcId && o.GpuModelId == models[model].Id).ToList();
            var plan = candidates[random.Next(candidates.Count)];
            var received = plan.OrderedAt.AddDays(30 + random.Next(0, 40));
            for (var slot = 0; slot < host.GpuSlots; slot++)
            {
                serial++;
                var status = PickStatus(random);
                var placed = status is not (GpuStatus.Received or GpuStatus.RmaShipped or GpuStatus.Retired or GpuStatus.Returned);
                var bytes = new byte[16];
                random.NextBytes(bytes);
                plan.Count++;
                var gpu = new Gpu(status is GpuStatus.RmaPending or GpuStatus.RmaShipped ? GpuStatus.Failed : status)
                {
                    Serial = prefix + serial.ToString("D9", CultureInfo.InvariantCulture),
                    Uuid = status == GpuStatus.Received ? null : "GPU-" + new Guid(bytes).ToString(),
                    AssetTag = "AT-" + serial.ToString("D6", CultureInfo.InvariantCulture),
                    BoardPartNumber = model.StartsWith("H", StringComparison.Ordinal) ? "692-2G520-0200-000" : "699-2G506-0210-300",
                    Vbios = "96.00.74.00.0" + random.Next(1, 9).ToString(CultureInfo.InvariantCulture),
                    GpuModelId = models[model].Id,
                    UnitCost = plan.UnitPrice,
                    Currency = plan.Currency,
                    PoNumber = plan.Number,
                    ReceivedAt = received,
                    InServiceAt = status is GpuStatus.InService or GpuStatus.Maintenance or GpuStatus.Retired ? received.AddDays(10) : null,
                    WarrantyEndsAt = received.AddMonths(WarrantyMonths),
                    DatacenterId = dcId,
                    HostId = placed ? host.Id : null,
                    Slot = placed ? slot : null,
                    Notes = status is GpuStatus.Failed or GpuStatus.RmaPending or GpuStatus.RmaShipped ? FailedNote : null,
                };
                gpus.Add((gpu, plan, status));
            }
        }

        // The orders that got cards, through the order's own steps: lines, submitted, received in full.
        var orders = new Dictionary<OrderPlan, PurchaseOrder>();
        foreach (var plan in plans.Where(p => p.Count > 0))
        {
            var order = new PurchaseOrder
            {
                Number = plan.Number, VendorId = plan.VendorId, OrderedAt = plan.OrderedAt, Currency = plan.Currency, DatacenterId = plan.DatacenterId,
            };
            var line = order.AddLine(plan.GpuModelId, plan.Count, plan.UnitPrice, WarrantyMonths, plan.OrderedAt.AddDays(45));
            order.Submit();
            order.Receive(line, plan.Count);
            orders[plan] = order;
        }

        db.PurchaseOrders.AddRange(orders.Values);
        db.ChangeTracker.DetectChanges();
        await db.SaveChangesAsync(ct);
        foreach (var (gpu, plan, _) in gpus)
        {
            gpu.PurchaseOrderLineId = orders[plan].Lines[0].Id;
        }

        await provider.BulkWriter.InsertAsync(db, gpus.Select(g => g.Gpu), ct);

        // Open placements for every placed card, set-based.
        await db.Database.ExecuteSqlRawAsync(
            "INSERT INTO gpu_placements (gpu_id, host_id, slot, \"from\") " +
            "SELECT id, host_id, slot, received_at FROM gpus WHERE host_id IS NOT NULL", ct);

        await SeedRmaCasesAsync(db, gpus.Where(g => g.Target is GpuStatus.RmaPending or GpuStatus.RmaShipped)
            .ToDictionary(g => g.Gpu.Serial, g => (g.Target, g.Plan.VendorId), StringComparer.Ordinal), now, ct);

        db.AuditEntries.Add(new AuditEntry
        {
            At = now, Actor = "system", EntityType = "Fleet", EntityKey = "demo", Action = AuditActions.Create,
            Message = $"Seeded the demo fleet: {datacenters.Length} datacenters, {hosts.Count} hosts, {gpus.Count} GPUs.",
        });
        db.ChangeTracker.DetectChanges();
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        // A bulk load leaves the planner without statistics until autovacuum gets to it: the grid's estimated totals
        // (EXPLAIN) and its plans would be guesses for the first minutes.
        await provider.RefreshStatisticsAsync(db, ct);

        db.ChangeTracker.AutoDetectChangesEnabled = previousDetect;
        db.ChangeTracker.Clear();
    }

    private const int WarrantyMonths = 36;
    private const string FailedNote = "Burn-in: GEMM mismatch on 3 of 1,024 products.";

    /// <summary>An order before it exists: its header, its one line and how many cards the hosts drew from it.</summary>
    private sealed record OrderPlan(string Number, int VendorId, DateTime OrderedAt, string Currency, int DatacenterId, int GpuModelId, decimal UnitPrice)
    {
        public int Count { get; set; }
    }

    /// <summary>Opens a case for every card meant to be RmaPending and ships those meant to be RmaShipped, through the case.</summary>
    private static async Task SeedRmaCasesAsync(FleetDbContext db, Dictionary<string, (GpuStatus Target, int VendorId)> targets, DateTime now,
        CancellationToken ct)
    {
        var serials = targets.Keys.ToList();
        var cards = new List<Gpu>();
        foreach (var chunk in serials.Chunk(500))
        {
            cards.AddRange(await db.Gpus.Include(g => g.Placements.Where(p => p.To == null)).Where(g => chunk.Contains(g.Serial)).ToListAsync(ct));
        }

        var n = 0;
        foreach (var gpu in cards.OrderBy(g => g.Serial, StringComparer.Ordinal))
        {
            var (target, vendorId) = targets[gpu.Serial];
            var openedAt = now.AddDays(-(3 + (n++ % 40)));
            var rma = RmaCase.Open(gpu, vendorId, "Failed burn-in: GEMM mismatches", FailedNote, null, false, "system", Roles.Technician, openedAt, out _);
            if (target == GpuStatus.RmaShipped)
            {
                rma.Ship(gpu, string.Create(CultureInfo.InvariantCulture, $"1Z{gpu.Serial}"), openedAt.AddDays(2), null, "system", Roles.Technician, openedAt.AddDays(2));
            }

            db.RmaCases.Add(rma);
        }

        db.ChangeTracker.DetectChanges();
        await db.SaveChangesAsync(ct);
    }

    private static GpuStatus PickStatus(Random random) => random.NextDouble() switch
    {
        < 0.860 => GpuStatus.InService,
        < 0.890 => GpuStatus.Validated,
        < 0.910 => GpuStatus.BurnIn,
        < 0.930 => GpuStatus.Received,
        < 0.950 => GpuStatus.Maintenance,
        < 0.965 => GpuStatus.Failed,
        < 0.975 => GpuStatus.RmaPending,
        < 0.980 => GpuStatus.RmaShipped,
        < 0.990 => GpuStatus.Retired,
        _ => GpuStatus.InService,
    };
}
