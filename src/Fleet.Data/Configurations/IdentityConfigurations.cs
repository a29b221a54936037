using Fleet.Data.Identity;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Fleet.Data.Configurations;

internal sealed class ApiTokenConfiguration : IEntityTypeConfiguration<ApiToken>
{
    public void Configure(EntityTypeBuilder<ApiToken> b)
    {
        b.Property(x => x.Name).HasMaxLength(200);
        b.Property(x => x.TokenHash).HasMaxLength(64);
        b.Property(x => x.Role).HasMaxLength(32);
        b.Property(x => x.CreatedBy).HasMaxLength(200);
        b.HasIndex(x => x.TokenHash).IsUnique();
    }
}
