using Fleet.Data.Identity;
using Fleet.Domain;
using Fleet.Domain.Audit;
using Fleet.Domain.BurnIn;
using Fleet.Domain.Catalog;
using Fleet.Domain.Finance;
using Fleet.Domain.Inventory;
using Fleet.Domain.Planning;
using Fleet.Domain.Procurement;
using Fleet.Domain.Rma;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;

namespace Fleet.Data;

/// <summary>
/// The one model of Fleet's data, on SQLite or PostgreSQL (the provider comes in through the options).
/// </summary>
/// <remarks>
/// Add a migration to both providers (from the repository root):
/// <code>
/// dotnet ef migrations add NAME --project migrations/Fleet.Migrations.Sqlite --startup-project migrations/Fleet.Migrations.Sqlite -o Migrations
/// dotnet ef migrations add NAME --project migrations/Fleet.Migrations.Postgres --startup-project migrations/Fleet.Migrations.Postgres -o Migrations
/// </code>
/// </remarks>
public class FleetDbContext(DbContextOptions<FleetDbContext> options) : IdentityDbContext<FleetUser>(options)
{
    public DbSet<Datacenter> Datacenters => Set<Datacenter>();
    public DbSet<Rack> Racks => Set<Rack>();
    public DbSet<Host> Hosts => Set<Host>();
    public DbSet<GpuModel> GpuModels => Set<GpuModel>();
    public DbSet<Gpu> Gpus => Set<Gpu>();
    public DbSet<GpuPlacement> GpuPlacements => Set<GpuPlacement>();
    public DbSet<Vendor> Vendors => Set<Vendor>();
    public DbSet<PurchaseOrder> PurchaseOrders => Set<PurchaseOrder>();
    public DbSet<PurchaseOrderLine> PurchaseOrderLines => Set<PurchaseOrderLine>();
    public DbSet<Quote> Quotes => Set<Quote>();
    public DbSet<QuoteLine> QuoteLines => Set<QuoteLine>();
    public DbSet<Delivery> Deliveries => Set<Delivery>();
    public DbSet<Invoice> Invoices => Set<Invoice>();
    public DbSet<InvoiceLine> InvoiceLines => Set<InvoiceLine>();
    public DbSet<RmaCase> RmaCases => Set<RmaCase>();
    public DbSet<DepreciationPolicy> DepreciationPolicies => Set<DepreciationPolicy>();
    public DbSet<Budget> Budgets => Set<Budget>();
    public DbSet<GpuEnergyReading> GpuEnergyReadings => Set<GpuEnergyReading>();
    public DbSet<StoredProfile> StoredProfiles => Set<StoredProfile>();
    public DbSet<ProfileValidation> ProfileValidations => Set<ProfileValidation>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<SavedView> SavedViews => Set<SavedView>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<BurnInCampaign> BurnInCampaigns => Set<BurnInCampaign>();
    public DbSet<BurnInJob> BurnInJobs => Set<BurnInJob>();
    public DbSet<BurnInJobCard> BurnInJobCards => Set<BurnInJobCard>();
    public DbSet<BurnInReport> BurnInReports => Set<BurnInReport>();
    public DbSet<BurnInRun> BurnInRuns => Set<BurnInRun>();
    public DbSet<BurnInFinding> BurnInFindings => Set<BurnInFinding>();
    public DbSet<BurnInPrecisionResult> BurnInPrecisionResults => Set<BurnInPrecisionResult>();

    // Planning (planapi)
    public DbSet<PlanRun> PlanRuns => Set<PlanRun>();
    public DbSet<SavedScenario> SavedScenarios => Set<SavedScenario>();
    public DbSet<PlanRunOrder> PlanRunOrders => Set<PlanRunOrder>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(FleetDbContext).Assembly);

        // Every versioned aggregate's Version is its concurrency token: set once here, so no configuration can forget it.
        foreach (var entity in builder.Model.GetEntityTypes().Where(e => typeof(IVersioned).IsAssignableFrom(e.ClrType)).ToList())
        {
            builder.Entity(entity.ClrType).Property(nameof(IVersioned.Version)).IsConcurrencyToken();
        }
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Money: 18 digits, 4 decimals, on both providers.
        configurationBuilder.Properties<decimal>().HavePrecision(18, 4);
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        BumpVersions();
        TextFieldGuard.Check(ChangeTracker);
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        BumpVersions();
        TextFieldGuard.Check(ChangeTracker);
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    /// <summary>Every saved change to a versioned aggregate bumps its version, so a writer holding the old one is refused.</summary>
    private void BumpVersions()
    {
        foreach (var entry in ChangeTracker.Entries<IVersioned>())
        {
            // Through the entry, not the entity: with automatic change detection off the entity's setter would go unseen.
            var version = entry.Property(e => e.Version);
            if (entry.State == EntityState.Added)
            {
                version.CurrentValue = 1;
            }
            else if (entry.State == EntityState.Modified)
            {
                version.CurrentValue = version.OriginalValue + 1;
            }
        }
    }
}
