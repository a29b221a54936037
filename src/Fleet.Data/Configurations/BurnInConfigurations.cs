using Fleet.Domain.BurnIn;
using Fleet.Domain.Inventory;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Fleet.Data.Configurations;

internal sealed class BurnInCampaignConfiguration : IEntityTypeConfiguration<BurnInCampaign>
{
    public void Configure(EntityTypeBuilder<BurnInCampaign> b)
    {
        b.Property(x => x.Name).HasMaxLength(200);
        b.Property(x => x.Level).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.State).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.CreatedBy).HasMaxLength(256);
        b.Property(x => x.CreatedByRole).HasMaxLength(32);
        b.Property(x => x.Kind).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.Preset).HasMaxLength(64);
        b.Property(x => x.Dtype).HasMaxLength(16);
        b.HasIndex(x => x.CreatedAt);
        b.HasMany(x => x.Jobs).WithOne(j => j.Campaign).HasForeignKey(j => j.CampaignId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class BurnInJobConfiguration : IEntityTypeConfiguration<BurnInJob>
{
    public void Configure(EntityTypeBuilder<BurnInJob> b)
    {
        b.Property(x => x.HostName).HasMaxLength(128);
        b.Property(x => x.State).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.HolderAgentId).HasMaxLength(200);
        b.Property(x => x.Kind).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.HolderPrincipal).HasMaxLength(256);
        b.Property(x => x.Phase).HasMaxLength(64);
        b.Property(x => x.FailureReason).HasMaxLength(2000);
        b.HasIndex(x => new { x.HostName, x.State, x.Id });
        b.HasIndex(x => new { x.State, x.LeaseExpiresAt });
        b.HasIndex(x => new { x.CampaignId, x.State });
        b.HasOne<Host>().WithMany().HasForeignKey(x => x.HostId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(x => x.Cards).WithOne().HasForeignKey(c => c.JobId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class BurnInJobCardConfiguration : IEntityTypeConfiguration<BurnInJobCard>
{
    public void Configure(EntityTypeBuilder<BurnInJobCard> b)
    {
        b.Property(x => x.Serial).HasMaxLength(64);
        b.Property(x => x.Uuid).HasMaxLength(64);
        b.Property(x => x.Outcome).HasConversion<string>().HasMaxLength(16);
        b.HasIndex(x => new { x.JobId, x.GpuId }).IsUnique();
        b.HasIndex(x => x.GpuId);
        b.HasOne<Gpu>().WithMany().HasForeignKey(x => x.GpuId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class BurnInReportConfiguration : IEntityTypeConfiguration<BurnInReport>
{
    public void Configure(EntityTypeBuilder<BurnInReport> b)
    {
        b.Property(x => x.RunId).HasMaxLength(64);
        b.Property(x => x.ContentHash).HasMaxLength(64);
        b.Property(x => x.Hostname).HasMaxLength(128);
        b.Property(x => x.ToolVersion).HasMaxLength(64);
        b.Property(x => x.ReceivedBy).HasMaxLength(256);
        b.HasIndex(x => x.RunId).IsUnique();
        b.HasIndex(x => x.JobId);
        b.HasOne<BurnInJob>().WithMany().HasForeignKey(x => x.JobId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(x => x.Runs).WithOne(r => r.Report).HasForeignKey(r => r.ReportId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class BurnInRunConfiguration : IEntityTypeConfiguration<BurnInRun>
{
    public void Configure(EntityTypeBuilder<BurnInRun> b)
    {
        b.Property(x => x.RunId).HasMaxLength(64);
        b.Property(x => x.ToolVersion).HasMaxLength(64);
        b.Property(x => x.Level).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.Verdict).HasConversion<string>().HasMaxLength(8);
        b.Property(x => x.DeviceName).HasMaxLength(128);
        b.Property(x => x.DeviceUuid).HasMaxLength(64);
        b.Property(x => x.DeviceSerial).HasMaxLength(64);
        b.Property(x => x.PciBusId).HasMaxLength(32);
        b.Property(x => x.Vbios).HasMaxLength(64);
        b.Property(x => x.BoardPartNumber).HasMaxLength(64);
        b.HasIndex(x => new { x.RunId, x.GpuId }).IsUnique();
        b.HasIndex(x => new { x.GpuId, x.StartedAt });
        b.HasIndex(x => x.CampaignId);
        b.HasOne<Gpu>().WithMany().HasForeignKey(x => x.GpuId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(x => x.Findings).WithOne().HasForeignKey(f => f.BurnInRunId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(x => x.Precisions).WithOne().HasForeignKey(p => p.BurnInRunId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class BurnInFindingConfiguration : IEntityTypeConfiguration<BurnInFinding>
{
    public void Configure(EntityTypeBuilder<BurnInFinding> b)
    {
        b.Property(x => x.Code).HasMaxLength(64);
        b.Property(x => x.Severity).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.Message).HasMaxLength(2000);
        b.Property(x => x.Source).HasMaxLength(16);
        b.HasIndex(x => x.Code);
    }
}

internal sealed class BurnInPrecisionResultConfiguration : IEntityTypeConfiguration<BurnInPrecisionResult>
{
    public void Configure(EntityTypeBuilder<BurnInPrecisionResult> b)
    {
        b.Property(x => x.Precision).HasConversion<string>().HasMaxLength(8);
        b.Property(x => x.Engine).HasMaxLength(32);
        b.HasIndex(x => new { x.BurnInRunId, x.Precision });
    }
}
