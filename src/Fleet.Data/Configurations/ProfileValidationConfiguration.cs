using Fleet.Domain.Finance;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Fleet.Data.Configurations;

internal sealed class ProfileValidationConfiguration : IEntityTypeConfiguration<ProfileValidation>
{
    public void Configure(EntityTypeBuilder<ProfileValidation> b)
    {
        b.Property(x => x.Label).HasMaxLength(200);
        b.Property(x => x.Json).HasMaxLength(64 * 1024);
        b.HasOne<StoredProfile>().WithMany().HasForeignKey(x => x.StoredProfileId).OnDelete(DeleteBehavior.SetNull);
        b.HasIndex(x => new { x.StoredProfileId, x.UploadedAt });
    }
}
