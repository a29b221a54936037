using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;
using Fleet.Domain.Procurement;

namespace Fleet.Domain.Tests;

public sealed class DailyWorkRulesTests
{
    private static readonly DateTime s_now = new(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void EnsureTakesNew_DeactivatedVendor_RefusesNamingTheVendor()
    {
        var vendor = new Vendor { Name = "Acme" };
        vendor.Deactivate(s_now);

        var ex = Assert.Throws<DomainException>(() => vendor.EnsureTakesNew("order"));
        Assert.Contains("Acme", ex.Message);
        Assert.Contains("no new orders", ex.Message);
        Assert.False(vendor.IsActive);
    }

    [Fact]
    public void EnsureTakesNew_ReactivatedVendor_Accepts()
    {
        var vendor = new Vendor { Name = "Acme" };
        vendor.Deactivate(s_now);
        vendor.Reactivate();

        vendor.EnsureTakesNew("quote");
        Assert.True(vendor.IsActive);
        Assert.Null(vendor.DeactivatedAt);
    }

    [Fact]
    public void ApplyEdit_SeveralBadFields_RefusesAllByNameAndChangesNothing()
    {
        var gpu = new Gpu { Serial = "S-1", AssetTag = "OLD", ReceivedAt = s_now };

        var ex = Assert.Throws<GpuEditException>(() =>
            gpu.ApplyEdit(new GpuEdit("GPU-1", new string('x', 65), null, "v\u0001", null, s_now.AddDays(-1))));

        Assert.Equal(["assetTag", "vbios", "warrantyEndsAt"], ex.Errors.Select(e => e.Field));
        Assert.Equal("OLD", gpu.AssetTag);
        Assert.Null(gpu.Uuid);
    }

    [Fact]
    public void ApplyEdit_BlankValues_ClearTheFieldsAndTrimTheRest()
    {
        var gpu = new Gpu { Serial = "S-1", AssetTag = "OLD", Notes = "n", ReceivedAt = s_now };

        gpu.ApplyEdit(new GpuEdit("  GPU-1 ", "", null, null, "  ", s_now.AddYears(3)));

        Assert.Equal("GPU-1", gpu.Uuid);
        Assert.Null(gpu.AssetTag);
        Assert.Null(gpu.Notes);
        Assert.Equal(s_now.AddYears(3), gpu.WarrantyEndsAt);
    }

    [Fact]
    public void WhyNotUnplace_InServiceCardInAHost_SaysItNeedsAHost()
    {
        var gpu = new Gpu(GpuStatus.InService) { Serial = "S-2", HostId = 3 };
        Assert.Contains("Maintenance", gpu.WhyNotUnplace());
        Assert.Null(new Gpu(GpuStatus.Maintenance) { Serial = "S-3", HostId = 3 }.WhyNotUnplace());
    }
}
