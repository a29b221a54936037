using System.Globalization;
using System.Text;
using System.Text.Json;
using Fleet.Application.Common;
using Fleet.Application.Export;
using Fleet.Application.Finance;
using Fleet.Application.Import;
using Fleet.Application.Inventory;
using Fleet.Application.Reports;
using Fleet.Application.Tests.Procurement;
using Fleet.Data;
using Fleet.Data.Seeding;
using Fleet.Domain;
using Fleet.Domain.Audit;
using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;
using Fleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Fleet.Application.Tests.Import;

/// <summary>The CSV import's contract, run on SQLite and PostgreSQL: validate first, all or nothing, clear errors.</summary>
public abstract class GpuImportContractTests(string provider)
{
    private const string Header = "serial,model,status,datacenter,host,slot,uuid,unit_cost,currency,received_at,warranty_ends_at,notes";
    private static readonly Actor s_clerk = new("Pat Procurement", Roles.Procurement, "req-1");

    private sealed class Fixture(TestDatabase database) : IAsyncDisposable
    {
        /// <summary>The clock stands at 30 June 2024, noon.</summary>
        public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2024, 6, 30, 12, 0, 0, TimeSpan.Zero));
        public TestDatabase Database { get; } = database;
        public GpuImportService Service => new(new TestContextFactory(Database), Database.Provider, Time, new ImportOptions { MaxBytes = 2 * 1024 * 1024 });

        public async Task<ImportResult> ImportAsync(string csv, ImportMode mode = ImportMode.Insert, bool dryRun = false, Actor? actor = null) =>
            await Service.ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(csv)), mode, dryRun, actor ?? s_clerk);

        public async Task<ImportResult> ImportBytesAsync(byte[] bytes) =>
            await Service.ImportAsync(new MemoryStream(bytes), ImportMode.Insert, false, s_clerk);

        public async Task<int> GpuCountAsync()
        {
            await using var db = Database.CreateContext();
            return await db.Gpus.CountAsync();
        }

        /// <summary>Every card's stored fields (version included) and every audit entry, to compare before and after.</summary>
        public async Task<(string Cards, int Audits)> SnapshotAsync()
        {
            await using var db = Database.CreateContext();
            var cards = await db.Gpus.AsNoTracking().Include(g => g.Placements).OrderBy(g => g.Serial).ToListAsync();
            var json = JsonSerializer.Serialize(cards.Select(g => new
            {
                g.Serial, g.Uuid, g.AssetTag, g.BoardPartNumber, g.Vbios, g.GpuModelId, g.Status, g.UnitCost, g.Currency, g.PoNumber, g.ReceivedAt,
                g.InServiceAt, g.WarrantyEndsAt, g.Notes, g.DatacenterId, g.HostId, g.Slot, g.Version,
                Placements = g.Placements.OrderBy(p => p.Id).Select(p => new { p.HostId, p.Slot, p.From, p.To }),
            }));
            return (json, await db.AuditEntries.CountAsync());
        }

        public ValueTask DisposeAsync() => Database.DisposeAsync();
    }

    /// <summary>A database with the catalog, one datacenter (FRA1) and one 8-slot host (fra1-r001-h1).</summary>
    private async Task<Fixture> ArrangeAsync()
    {
        var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.CreateContext();
        await DemoSeeder.EnsureCatalogAsync(db, CancellationToken.None);
        var dc = new Datacenter { Code = "FRA1", Name = "Frankfurt 1" };
        dc.Racks.Add(new Rack { Name = "R001", Hosts = { new Host { Hostname = "fra1-r001-h1", GpuSlots = 8 } } });
        db.Datacenters.Add(dc);
        db.Datacenters.Add(new Datacenter { Code = "IAD1", Name = "Ashburn 1" });
        await db.SaveChangesAsync();
        return new Fixture(database);
    }

    private static string Row(string serial, string model = "H100 SXM5 80GB", string status = "", string dc = "", string host = "", string slot = "",
        string uuid = "", string cost = "30000", string currency = "USD", string received = "2025-03-01", string warranty = "2028-03-01", string notes = "") =>
        $"{serial},{model},{status},{dc},{host},{slot},{uuid},{cost},{currency},{received},{warranty},{notes}";

    [SkippableFact]
    public async Task Import_ValidFile_InsertsEveryRowWithFieldsAndAudit()
    {
        await using var f = await ArrangeAsync();
        var csv = $"{Header}\n{Row("SN-1", status: "InService", dc: "FRA1", host: "fra1-r001-h1", slot: "0", uuid: "GPU-aaaa")}\n{Row("SN-2", model: "l40s 48gb", cost: "7999.95", currency: "eur")}\n";
        var result = await f.ImportAsync(csv);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Message)));
        Assert.Equal(2, result.Inserted);

        await using var db = f.Database.CreateContext();
        var sn1 = await db.Gpus.Include(g => g.Placements).SingleAsync(g => g.Serial == "SN-1");
        Assert.Equal(GpuStatus.InService, sn1.Status);
        Assert.Equal("GPU-aaaa", sn1.Uuid);
        Assert.Equal(0, sn1.Slot);
        Assert.NotNull(sn1.HostId);
        Assert.Single(sn1.Placements, p => p.To == null && p.HostId == sn1.HostId);
        Assert.Equal(new DateTime(2028, 3, 1, 0, 0, 0, DateTimeKind.Utc), sn1.WarrantyEndsAt);
        var sn2 = await db.Gpus.Include(g => g.Model).SingleAsync(g => g.Serial == "SN-2");
        Assert.Equal("L40S 48GB", sn2.Model!.Name);
        Assert.Equal(7999.95m, sn2.UnitCost);
        Assert.Equal("EUR", sn2.Currency);
        Assert.Equal(GpuStatus.Received, sn2.Status);
        var audit = await db.AuditEntries.Where(a => a.EntityKey == "SN-1").SingleAsync();
        Assert.Equal(AuditActions.Import, audit.Action);
        Assert.Equal("Pat Procurement", audit.Actor);
        Assert.Contains("InService", audit.AfterJson);
    }

    [SkippableFact]
    public async Task Import_DryRun_ReportsCountsAndWritesNothing()
    {
        await using var f = await ArrangeAsync();
        var result = await f.ImportAsync($"{Header}\n{Row("SN-1")}\n{Row("SN-2")}\n", dryRun: true);
        Assert.True(result.DryRun);
        Assert.Equal(2, result.Inserted);
        Assert.Equal(0, await f.GpuCountAsync());
    }

    [SkippableFact]
    public async Task Import_SemicolonsBomAndCrlfAndCaseInsensitiveHeader_AreAccepted()
    {
        await using var f = await ArrangeAsync();
        var csv = "\uFEFFSERIAL; Model ;Unit_Cost\r\nSN-S1;H200 SXM 141GB;31000.5\r\n";
        var result = await f.ImportAsync(csv);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Message)));
        Assert.Equal(1, await f.GpuCountAsync());
    }

    [SkippableTheory]
    [InlineData(",")]
    [InlineData(";")]
    [InlineData("\t")]
    [InlineData("|")]
    public async Task Import_AnyDelimiter_ImportsTheSameRows(string d)
    {
        await using var f = await ArrangeAsync();
        var csv = $"serial{d}model{d}host{d}slot{d}unit_cost{d}currency{d}notes\n" +
                  $"SN-D1{d}H100 SXM5 80GB{d}fra1-r001-h1{d}3{d}30000.5{d}eur{d}\"left{d} top\"\n" +
                  $"SN-D2{d}H200 SXM 141GB{d}{d}{d}{d}{d}\n";

        var result = await f.ImportAsync(csv);

        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Message)));
        await using var db = f.Database.CreateContext();
        var cards = await db.Gpus.AsNoTracking().OrderBy(g => g.Serial).Select(g => new { g.Serial, g.Slot, g.UnitCost, g.Currency, g.Notes }).ToListAsync();
        Assert.Equal(
            [("SN-D1", (int?)3, (decimal?)30000.5m, "EUR", $"left{d} top"), ("SN-D2", null, null, "USD", null)],
            cards.Select(c => (c.Serial, c.Slot, c.UnitCost, c.Currency, c.Notes)));
    }

    public static TheoryData<string, int, string, string> BadFiles => new()
    {
        // file, expected line, expected column, fragment of the message
        { "", 1, "", "empty" },
        { "\n\n  \n", 1, "", "empty" },
        { "serial,model,colour\nSN-1,H100 SXM5 80GB,red\n", 1, "colour", "Valid columns: serial, model" },
        { "serial,status\nSN-1,InService\n", 1, "model", "Missing required column 'model'" },
        { "serial,model,serial\nSN-1,H100 SXM5 80GB,SN-1\n", 1, "serial", "more than once" },
        { "serial,model\n", 2, "", "no GPU rows" },
        { "serial,model\nSN-1,H100 SXM5 80GB\nSN-1,H100 SXM5 80GB\n", 3, "serial", "already on line 2" },
        { "serial,model\nSN-1,H900 Imaginary\n", 2, "model", "Unknown model 'H900 Imaginary'" },
        { "serial,model,status\nSN-1,H100 SXM5 80GB,Exploded\n", 2, "status", "Unknown status 'Exploded'" },
        { "serial,model,datacenter\nSN-1,H100 SXM5 80GB,ZZZ9\n", 2, "datacenter", "Unknown datacenter 'ZZZ9'" },
        { "serial,model,unit_cost\nSN-1,H100 SXM5 80GB,12abc\n", 2, "unit_cost", "plain number" },
        { "serial,model,unit_cost\nSN-1,H100 SXM5 80GB,-5\n", 2, "unit_cost", "negative" },
        { "serial,model,unit_cost\nSN-1,H100 SXM5 80GB,1e30\n", 2, "unit_cost", "plain number" },
        { "serial,model,unit_cost\nSN-1,H100 SXM5 80GB,99999999999\n", 2, "unit_cost", "implausibly large" },
        { "serial,model,received_at\nSN-1,H100 SXM5 80GB,2024-02-30\n", 2, "received_at", "not a real date" },
        { "serial,model,received_at\nSN-1,H100 SXM5 80GB,1850-01-01\n", 2, "received_at", "outside 1990–2100" },
        { "serial,model,received_at,warranty_ends_at\nSN-1,H100 SXM5 80GB,2025-01-01,2024-01-01\n", 2, "warranty_ends_at", "before received_at" },
        { "serial,model\nSN-1,H100 SXM5 80GB,extra\n", 2, "", "has 3 fields; the header has 2" },
        { "serial,model,notes\nSN-1,H100 SXM5 80GB,\"never closed\nSN-2,H100 SXM5 80GB,x\n", 2, "", "not closed" },
        { "serial,model\n=cmd|'/c calc'!A1,H100 SXM5 80GB\n", 2, "serial", "letters, digits" },
        { "serial,model,host\nSN-1,H100 SXM5 80GB,fra1-r001-h1\n", 2, "slot", "without a slot" },
        { "serial,model,host,slot\nSN-1,H100 SXM5 80GB,fra1-r001-h1,8\n", 2, "slot", "slots 0–7" },
        { "serial,model,host,slot\nSN-1,H100 SXM5 80GB,nohost,1\n", 2, "host", "Unknown host" },
        { "serial,model,host,slot,datacenter\nSN-1,H100 SXM5 80GB,fra1-r001-h1,1,IAD1\n", 2, "host", "not in datacenter IAD1" },
        { "serial,model,currency\nSN-1,H100 SXM5 80GB,dollars\n", 2, "currency", "three-letter" },
        { "serial,model,currency\nSN-1,H100 SXM5 80GB,usd1\n", 2, "currency", "three-letter" },
        { "serial,model\n,H100 SXM5 80GB\n", 2, "serial", "required" },
        { "serial,model\nSN-1,\n", 2, "model", "required" },
        { "serial,model,received_at,in_service_at\nSN-1,H100 SXM5 80GB,2025-01-10,2025-01-09\n", 2, "in_service_at", "before received_at" },
        { "serial,model,in_service_at\nSN-1,H100 SXM5 80GB,2025-02-30\n", 2, "in_service_at", "not a real date" },
        // Line numbers count blank lines and the lines inside a quoted value.
        { "serial,model\r\n\r\nSN-1,H900 Imaginary\r\n", 3, "model", "Unknown model 'H900 Imaginary'" },
        { "serial,model,notes\nSN-1,H100 SXM5 80GB,\"two\nlines\"\nSN-2,H900 Imaginary,x\n", 4, "model", "Unknown model 'H900 Imaginary'" },
    };

    [SkippableTheory]
    [MemberData(nameof(BadFiles))]
    public async Task Import_BadFile_ReportsLineColumnMessageAndWritesNothing(string csv, int line, string column, string fragment)
    {
        await using var f = await ArrangeAsync();
        var result = await f.ImportAsync(csv);
        Assert.False(result.Succeeded);
        var error = Assert.Single(result.Errors, e => e.Message.Contains(fragment, StringComparison.Ordinal));
        Assert.Equal(line, error.Line);
        Assert.Equal(column, error.Column);
        Assert.Equal(0, await f.GpuCountAsync());
    }

    [SkippableFact]
    public async Task Import_AbsurdlyLongValue_IsRefusedWithItsLength()
    {
        await using var f = await ArrangeAsync();
        var result = await f.ImportAsync($"serial,model,notes\nSN-1,H100 SXM5 80GB,{new string('x', 100_000)}\n");
        var error = Assert.Single(result.Errors);
        Assert.Equal("notes", error.Column);
        Assert.Contains("100,000 characters", error.Message);
        Assert.True(error.Value!.Length < 200, "The echoed value should be shortened.");
        Assert.Equal(0, await f.GpuCountAsync());
    }

    [SkippableFact]
    public async Task Import_OneBadRowAmongThousands_ReportsOnlyItAndWritesNothing()
    {
        await using var f = await ArrangeAsync();
        var sb = new StringBuilder("serial,model,unit_cost\n");
        for (var i = 0; i < 5000; i++)
        {
            sb.Append($"BULK-{i:D5},A100 SXM4 80GB,{(i == 3210 ? "ten thousand" : "12000")}\n");
        }

        var result = await f.ImportAsync(sb.ToString());
        var error = Assert.Single(result.Errors);
        Assert.Equal(3212, error.Line);
        Assert.Equal("ten thousand", error.Value);
        Assert.Equal(0, await f.GpuCountAsync());
    }

    [SkippableFact]
    public async Task Import_BinaryFile_IsRefusedAsNotText()
    {
        await using var f = await ArrangeAsync();
        var result = await f.ImportBytesAsync([0x50, 0x4B, 0x03, 0x04, 0x00, 0x00, 0x08, 0x00]);
        Assert.Contains("binary", Assert.Single(result.Errors).Message);
    }

    [SkippableFact]
    public async Task Import_Utf16File_IsRefusedWithAdvice()
    {
        await using var f = await ArrangeAsync();
        var result = await f.ImportBytesAsync(Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("serial,model\nSN-1,H100 SXM5 80GB\n")).ToArray());
        Assert.Contains("UTF-8", Assert.Single(result.Errors).Message);
        Assert.Equal(0, await f.GpuCountAsync());
    }

    [SkippableFact]
    public async Task Import_Latin1File_NamesTheLineOfTheBadByte()
    {
        await using var f = await ArrangeAsync();
        var bytes = Encoding.Latin1.GetBytes("serial,model,notes\nSN-1,H100 SXM5 80GB,ok\nSN-2,H100 SXM5 80GB,caf\u00e9\n");
        var error = Assert.Single((await f.ImportBytesAsync(bytes)).Errors);
        Assert.Equal(3, error.Line);
        Assert.Contains("not valid UTF-8", error.Message);
    }

    [SkippableFact]
    public async Task Import_FileOverSizeLimit_IsRefused()
    {
        await using var f = await ArrangeAsync();
        var big = new byte[(2 * 1024 * 1024) + 10];
        Array.Fill(big, (byte)'a');
        var error = Assert.Single((await f.ImportBytesAsync(big)).Errors);
        Assert.Contains("larger than", error.Message);
    }

    [SkippableFact]
    public async Task Import_UnicodeAndFormulaText_IsStoredAsData()
    {
        await using var f = await ArrangeAsync();
        var result = await f.ImportAsync("serial,model,asset_tag,notes\nSN-U1,H100 SXM5 80GB,=1+1,\"Prüfung 検査 ✓, \"\"quoted\"\"\"\n");
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Message)));
        await using var db = f.Database.CreateContext();
        var gpu = await db.Gpus.SingleAsync();
        Assert.Equal("=1+1", gpu.AssetTag);
        Assert.Equal("Prüfung 検査 ✓, \"quoted\"", gpu.Notes);
    }

    [SkippableFact]
    public async Task Import_InsertModeWithKnownSerial_IsRefused_UpsertUpdatesOnlyGivenFields()
    {
        await using var f = await ArrangeAsync();
        Assert.True((await f.ImportAsync($"{Header}\n{Row("SN-1", notes: "first", uuid: "GPU-1")}\n")).Succeeded);

        var again = await f.ImportAsync("serial,model,notes\nSN-1,H100 SXM5 80GB,second\n");
        var error = Assert.Single(again.Errors);
        Assert.Contains("already exists", error.Message);
        Assert.Contains("upsert", error.Message);

        // Received → Validated skips burn-in: the lifecycle refuses it, on a dry run and a commit alike, and nothing is written.
        var before = await f.SnapshotAsync();
        const string skipsBurnIn = "serial,model,status,notes,host,slot\nSN-1,H100 SXM5 80GB,Validated,second,fra1-r001-h1,5\nSN-9,H200 SXM 141GB,,,,\n";
        foreach (var dryRun in new[] { true, false })
        {
            var refused = await f.ImportAsync(skipsBurnIn, ImportMode.Upsert, dryRun);
            var move = Assert.Single(refused.Errors);
            Assert.Equal((2, "status", "Validated"), (move.Line, move.Column, move.Value));
            Assert.Contains("cannot move from Received to Validated", move.Message, StringComparison.Ordinal);
            Assert.Contains("Allowed from Received: BurnIn, Retired", move.Message, StringComparison.Ordinal);
            Assert.Contains("Moves the Procurement role may make from Received: Retired.", move.Message, StringComparison.Ordinal);
        }

        Assert.Equal(before, await f.SnapshotAsync());

        var upsert = await f.ImportAsync("serial,model,status,notes,host,slot\nSN-1,H100 SXM5 80GB,Received,second,fra1-r001-h1,5\nSN-9,H200 SXM 141GB,,,,\n", ImportMode.Upsert);
        Assert.True(upsert.Succeeded, string.Join("; ", upsert.Errors.Select(e => e.Message)));
        Assert.Equal(1, upsert.Updated);
        Assert.Equal(1, upsert.Inserted);
        await using var db = f.Database.CreateContext();
        var gpu = await db.Gpus.Include(g => g.Placements).SingleAsync(g => g.Serial == "SN-1");
        Assert.Equal("second", gpu.Notes);
        Assert.Equal("GPU-1", gpu.Uuid);
        Assert.Equal(GpuStatus.Received, gpu.Status);
        Assert.Equal(5, gpu.Slot);
        Assert.Single(gpu.Placements);
        Assert.Equal(2, gpu.Version);
        Assert.Equal(2, await db.AuditEntries.CountAsync(a => a.EntityKey == "SN-1"));
    }

    public static TheoryData<string, string, string, string> RefusedMoves => new()
    {
        // status on insert, status in the upsert, notes in the upsert, fragment of the domain's reason
        { "Retired", "InService", "", "cannot move from Retired to InService" },
        { "Failed", "Validated", "", "cannot move from Failed to Validated" },
        { "Failed", "BurnIn", "", "needs the Technician role" },
        { "InService", "Maintenance", "fan noise", "needs the Technician role" },
        { "InService", "Retired", "", "needs a message" },
    };

    [SkippableTheory]
    [MemberData(nameof(RefusedMoves))]
    public async Task Import_UpsertStatusTheLifecycleRefuses_IsLocatedErrorWithAllowedMovesAndWritesNothing(string from, string to, string notes, string reason)
    {
        await using var f = await ArrangeAsync();
        Assert.True((await f.ImportAsync($"serial,model,status,host,slot\nMV-1,H100 SXM5 80GB,{from},fra1-r001-h1,3\n")).Succeeded);
        var before = await f.SnapshotAsync();

        foreach (var dryRun in new[] { true, false })
        {
            var result = await f.ImportAsync($"serial,model,status,notes\nMV-1,H100 SXM5 80GB,{to},{notes}\n", ImportMode.Upsert, dryRun);
            var error = Assert.Single(result.Errors);
            Assert.Equal((2, "status", to), (error.Line, error.Column, error.Value));
            Assert.Contains(reason, error.Message, StringComparison.Ordinal);
            Assert.Contains($"Moves the Procurement role may make from {from}:", error.Message, StringComparison.Ordinal);
        }

        Assert.Equal(before, await f.SnapshotAsync());
    }

    [SkippableFact]
    public async Task Import_UpsertRetireWithReasonInNotes_IsATransitionThroughTheLifecycle()
    {
        await using var f = await ArrangeAsync();
        Assert.True((await f.ImportAsync("serial,model,status,host,slot,received_at\nRT-1,H100 SXM5 80GB,InService,fra1-r001-h1,4,2024-01-10\n")).Succeeded);

        var missingReason = Assert.Single((await f.ImportAsync("serial,model,status\nRT-1,H100 SXM5 80GB,Retired\n", ImportMode.Upsert)).Errors);
        Assert.Contains("notes column", missingReason.Message, StringComparison.Ordinal);

        var result = await f.ImportAsync("serial,model,status,notes\nRT-1,H100 SXM5 80GB,Retired,Decommissioned: fan failure\n", ImportMode.Upsert);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Message)));
        Assert.Equal(1, result.Updated);
        await using var db = f.Database.CreateContext();
        var gpu = await db.Gpus.Include(g => g.Placements).SingleAsync(g => g.Serial == "RT-1");
        Assert.Equal(GpuStatus.Retired, gpu.Status);
        Assert.Null(gpu.HostId);
        Assert.All(gpu.Placements, p => Assert.NotNull(p.To));
        var entry = await db.AuditEntries.Where(a => a.EntityKey == "RT-1").OrderByDescending(a => a.Id).FirstAsync();
        Assert.Equal(AuditActions.Transition, entry.Action);
        Assert.Equal("InService → Retired by CSV import (line 2): Decommissioned: fan failure", entry.Message);
        Assert.DoesNotContain(await db.AuditEntries.Where(a => a.EntityKey == "RT-1").Select(a => a.Message).ToListAsync(), m => m == "Updated by import.");
    }

    [SkippableFact]
    public async Task Import_InServiceCards_DepreciateFromInServiceAtElseReceivedAtNeverTheImportDay()
    {
        await using var f = await ArrangeAsync();
        var contexts = new TestContextFactory(f.Database);
        await new FinanceService(contexts, f.Time).SetPolicyAsync("H100 SXM5 80GB", new PolicyRequest(36, null, 0m), new Actor("fin", Roles.Finance));

        var result = await f.ImportAsync("serial,model,status,unit_cost,currency,received_at,in_service_at\n" +
            "IS-1,H100 SXM5 80GB,InService,36000,USD,2024-01-10,\n" +
            "IS-2,H100 SXM5 80GB,InService,36000,USD,2024-01-10,2024-03-05\n");
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Message)));

        // The import runs on 30 June 2024. 36,000 over 36 months is 1,000 a month from the month after the start:
        // IS-1 starts on its received date (10 Jan): Feb–Jun, 5,000 → book 31,000 (the import day would leave 36,000);
        // IS-2 starts on its in-service date (5 Mar): Apr–Jun, 3,000 → book 33,000.
        var register = await new ReportService(contexts, f.Time, new FinanceOptions())
            .RunAsync(ReportService.AssetRegister, new ReportQuery { AsOf = new DateOnly(2024, 6, 30) });
        var one = register.Rows.Single(r => (string)r.Cells[0]! == "IS-1");
        var two = register.Rows.Single(r => (string)r.Cells[0]! == "IS-2");
        Assert.Equal(new DateOnly(2024, 1, 10), one.Cells[register.IndexOf("start_date")]);
        Assert.Equal(31_000m, one.Cells[register.IndexOf("book_value")]);
        Assert.Equal(new DateOnly(2024, 3, 5), two.Cells[register.IndexOf("start_date")]);
        Assert.Equal(33_000m, two.Cells[register.IndexOf("book_value")]);
        await using var db = f.Database.CreateContext();
        Assert.Equal(new DateTime(2024, 1, 10, 0, 0, 0, DateTimeKind.Utc), (await db.Gpus.SingleAsync(g => g.Serial == "IS-1")).InServiceAt);
    }

    [SkippableFact]
    public async Task Export_ImportedBackWithUpsert_ChangesNothing()
    {
        await using var f = await ArrangeAsync();
        var seeded = await f.ImportAsync(
            "serial,model,status,datacenter,host,slot,uuid,asset_tag,board_part_number,vbios,po_number,unit_cost,currency,received_at,in_service_at,warranty_ends_at,notes\n" +
            "RT-1,H100 SXM5 80GB,InService,FRA1,fra1-r001-h1,0,GPU-rt-1,=1+1,699-2G530-0200-000,96.00.74.00.01,PO-OLD-7,29999.50,USD,2024-01-10T09:30:00Z,2024-02-01T14:15:00Z,2027-01-10,\"x;=HYPERLINK(\"\"http://evil\"\")\"\n" +
            "RT-2,L40S 48GB,Retired,IAD1,,,,@SUM(A1),,,,7999.9500,eur,2023-05-02,,,\"'=already quoted, -5 V\"\n" +
            "RT-3,H200 SXM 141GB,,,,,,,,,,,,,,,\"Prüfung 検査 ✓, \"\"quoted\"\"\"\n" +
            "RT-4,H100 SXM5 80GB,Failed,FRA1,fra1-r001-h1,7,,+tag,,,,0,USD,2024-06-01,,,tab\there\n");
        Assert.True(seeded.Succeeded, string.Join("; ", seeded.Errors.Select(e => e.Message)));
        var before = await f.SnapshotAsync();

        using var export = new MemoryStream();
        await new GpuExportService(new TestContextFactory(f.Database)).ExportAsync(new GpuQuery(), export);
        var text = Encoding.UTF8.GetString(export.ToArray());
        Assert.StartsWith("\uFEFF" + string.Join(",", GpuCsvColumns.All) + "\r\n", text, StringComparison.Ordinal);

        var upsert = await f.Service.ImportAsync(new MemoryStream(export.ToArray()), ImportMode.Upsert, dryRun: false, s_clerk);

        Assert.True(upsert.Succeeded, string.Join("; ", upsert.Errors.Select(e => $"{e.Line} {e.Column} {e.Value}: {e.Message}")));
        Assert.Equal((0, 0, 4), (upsert.Inserted, upsert.Updated, upsert.Unchanged));
        Assert.Equal(before, await f.SnapshotAsync());
    }

    /// <summary>Counts what the import reads from the upload.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            BytesRead += n;
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken);
            BytesRead += n;
            return n;
        }
    }

    [SkippableFact]
    public async Task Import_HugeHeaderOfCommas_IsRefusedBeforeParsingWithoutReadingTheFile()
    {
        await using var f = await ArrangeAsync();
        var upload = new CountingStream(new MemoryStream(Encoding.ASCII.GetBytes("serial,model" + new string(',', 9_000_000) + "\nSN-1,H100 SXM5 80GB\n")));

        var result = await new GpuImportService(new TestContextFactory(f.Database), f.Database.Provider, f.Time, new ImportOptions())
            .ImportAsync(upload, ImportMode.Insert, dryRun: true, s_clerk);

        var error = Assert.Single(result.Errors);
        Assert.Equal(1, error.Line);
        Assert.Contains("header", error.Message, StringComparison.Ordinal);
        Assert.Contains("serial,model,status", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 400, "The error should not echo the header.");
        Assert.True(upload.BytesRead <= 256 * 1024, $"Read {upload.BytesRead:N0} bytes of a 9 MB header before refusing it.");
    }

    public static TheoryData<string, int, string> TooWide => new()
    {
        { "serial,model" + string.Concat(Enumerable.Range(0, 70).Select(i => $",c{i}")) + "\nSN-1,H100 SXM5 80GB\n", 1, "more than 64 columns" },
        { "serial,model," + new string('x', 5000) + "\nSN-1,H100 SXM5 80GB,x\n", 1, "header line is longer than 4,096 bytes" },
        { "serial,model\nSN-1,H100 SXM5 80GB\nSN-2,H100 SXM5 80GB" + new string(',', 100_000) + "\n", 3, "more than 64 fields; the header has 2" },
        { "serial,model,notes\nSN-1,H100 SXM5 80GB,\"" + new string('x', 1_100_000) + "\"\n", 2, "longer than 1,048,576 characters" },
    };

    [SkippableTheory]
    [MemberData(nameof(TooWide))]
    public async Task Import_TooManyColumnsFieldsOrCharacters_IsRefusedWithItsLine(string csv, int line, string fragment)
    {
        await using var f = await ArrangeAsync();
        var error = Assert.Single((await f.ImportAsync(csv)).Errors);
        Assert.Equal(line, error.Line);
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await f.GpuCountAsync());
    }

    [SkippableFact]
    public async Task Import_UuidOfAnotherCard_IsRefused()
    {
        await using var f = await ArrangeAsync();
        Assert.True((await f.ImportAsync("serial,model,uuid\nSN-1,H100 SXM5 80GB,GPU-x\n")).Succeeded);
        var result = await f.ImportAsync("serial,model,uuid\nSN-2,H100 SXM5 80GB,GPU-x\n");
        Assert.Contains("already belongs to GPU SN-1", Assert.Single(result.Errors).Message);
    }

    [SkippableFact]
    public async Task Import_OccupiedSlot_IsRefused()
    {
        await using var f = await ArrangeAsync();
        Assert.True((await f.ImportAsync("serial,model,host,slot\nSN-1,H100 SXM5 80GB,fra1-r001-h1,2\n")).Succeeded);
        var result = await f.ImportAsync("serial,model,host,slot\nSN-2,H100 SXM5 80GB,fra1-r001-h1,2\n");
        Assert.Contains("already holds GPU SN-1", Assert.Single(result.Errors).Message);
    }

    [SkippableFact]
    public async Task Import_ConcurrentImportsOfSameSerials_ExactlyOneWins()
    {
        await using var f = await ArrangeAsync();
        var csv = "serial,model\n" + string.Concat(Enumerable.Range(0, 300).Select(i => $"RACE-{i:D4},H100 SXM5 80GB\n"));
        var attempts = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            try
            {
                return (await f.ImportAsync(csv)).Succeeded;
            }
            catch (ConcurrencyException)
            {
                return false;
            }
        }));
        Assert.Equal(1, attempts.Count(ok => ok));
        Assert.Equal(300, await f.GpuCountAsync());
    }

    [SkippableFact]
    public async Task Import_ManyErrors_AreCappedWithASummaryLine()
    {
        await using var f = await ArrangeAsync();
        var csv = "serial,model\n" + string.Concat(Enumerable.Range(0, 1500).Select(i => $"X-{i},NoSuchModel\n"));
        var result = await f.ImportAsync(csv);
        Assert.Equal(1001, result.Errors.Count);
        Assert.Contains("500 more errors", result.Errors[^1].Message);
    }
}

public sealed class SqliteGpuImportTests() : GpuImportContractTests(TestDatabase.Sqlite);

public sealed class PostgresGpuImportTests() : GpuImportContractTests(TestDatabase.Postgres);
