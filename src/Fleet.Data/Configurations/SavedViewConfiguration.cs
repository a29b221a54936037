using Fleet.Domain.Inventory;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Fleet.Data.Configurations;

internal sealed class SavedViewConfiguration : IEntityTypeConfiguration<SavedView>
{
    public void Configure(EntityTypeBuilder<SavedView> b)
    {
        b.Property(x => x.Owner).HasMaxLength(450);
        b.Property(x => x.Name).HasMaxLength(SavedView.MaxNameLength);
        b.Property(x => x.NormalizedName).HasMaxLength(SavedView.MaxNameLength);
        b.Property(x => x.Query).HasMaxLength(SavedView.MaxQueryLength);
        b.HasIndex(x => new { x.Owner, x.NormalizedName }).IsUnique();
    }
}
