using Fleet.Domain.Audit;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Fleet.Data.Configurations;

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> b)
    {
        b.Property(x => x.Actor).HasMaxLength(256);
        b.Property(x => x.RequestId).HasMaxLength(128);
        b.Property(x => x.EntityType).HasMaxLength(64);
        b.Property(x => x.EntityKey).HasMaxLength(128);
        b.Property(x => x.Action).HasMaxLength(32);
        b.Property(x => x.Message).HasMaxLength(2000);
        b.HasIndex(x => new { x.EntityType, x.EntityKey, x.At });
    }
}
