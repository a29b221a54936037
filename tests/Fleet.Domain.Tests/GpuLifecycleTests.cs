using Fleet.Domain;
using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;

namespace Fleet.Domain.Tests;

public class GpuLifecycleTests
{
    private static readonly DateTime s_now = new(2026, 11, 26, 9, 0, 0, DateTimeKind.Utc);

    private static Gpu Card(GpuStatus status, bool placed = false)
    {
        var gpu = new Gpu(status) { Serial = "SN1" };
        if (placed)
        {
            gpu.PlaceIn(new Host { Id = 7, Hostname = "h1", GpuSlots = 8 }, 1, 3, s_now.AddDays(-1));
        }

        return gpu;
    }

    [Theory]
    [InlineData(GpuStatus.Received, GpuStatus.BurnIn, Roles.Technician)]
    [InlineData(GpuStatus.BurnIn, GpuStatus.Validated, Roles.Technician)]
    [InlineData(GpuStatus.Returned, GpuStatus.BurnIn, Roles.Technician)]
    [InlineData(GpuStatus.Retired, GpuStatus.Disposed, Roles.Procurement)]
    [InlineData(GpuStatus.Ordered, GpuStatus.Received, Roles.Procurement)]
    [InlineData(GpuStatus.BurnIn, GpuStatus.Validated, Roles.Admin)]
    public void TransitionTo_AllowedMove_ChangesStatusAndReportsIt(GpuStatus from, GpuStatus to, string role)
    {
        var gpu = Card(from);
        var record = gpu.TransitionTo(to, "ada", role, s_now);
        Assert.Equal(to, gpu.Status);
        Assert.Equal(from, record.From);
        Assert.Equal(to, record.To);
        Assert.Equal("ada", record.Actor);
        Assert.Equal(s_now, record.At);
    }

    [Fact]
    public void TransitionTo_IllegalMove_NamesCurrentAndAllowedStates()
    {
        var gpu = Card(GpuStatus.Received);
        var ex = Assert.Throws<DomainException>(() => gpu.TransitionTo(GpuStatus.InService, "ada", Roles.Admin, s_now));
        Assert.Contains("from Received to InService", ex.Message);
        Assert.Contains("BurnIn", ex.Message);
        Assert.Contains("Retired", ex.Message);
        Assert.Equal(GpuStatus.Received, gpu.Status);
    }

    [Fact]
    public void TransitionTo_FromDisposed_SaysNoneAllowed()
    {
        var ex = Assert.Throws<DomainException>(() => Card(GpuStatus.Disposed).TransitionTo(GpuStatus.Retired, "a", Roles.Admin, s_now));
        Assert.Contains("Allowed from Disposed: none", ex.Message);
    }

    [Theory]
    [InlineData(GpuStatus.BurnIn, GpuStatus.Validated, Roles.Viewer)]
    [InlineData(GpuStatus.BurnIn, GpuStatus.Validated, Roles.Finance)]
    [InlineData(GpuStatus.BurnIn, GpuStatus.Validated, Roles.Procurement)]
    [InlineData(GpuStatus.Retired, GpuStatus.Disposed, Roles.Technician)]
    public void TransitionTo_WrongRole_IsForbiddenAndLeavesStatus(GpuStatus from, GpuStatus to, string role)
    {
        var gpu = Card(from);
        var ex = Assert.Throws<ForbiddenException>(() => gpu.TransitionTo(to, "x", role, s_now));
        Assert.Contains(role, ex.Message);
        Assert.Equal(from, gpu.Status);
    }

    [Theory]
    [InlineData(GpuStatus.BurnIn, GpuStatus.Failed)]
    [InlineData(GpuStatus.InService, GpuStatus.Maintenance)]
    [InlineData(GpuStatus.InService, GpuStatus.Retired)]
    public void TransitionTo_MessageRequiredButMissing_IsRefused(GpuStatus from, GpuStatus to)
    {
        var gpu = Card(from, placed: from == GpuStatus.InService);
        var ex = Assert.Throws<DomainException>(() => gpu.TransitionTo(to, "x", Roles.Admin, s_now, "  "));
        Assert.Contains("message", ex.Message);
        Assert.Equal(from, gpu.Status);
        gpu.TransitionTo(to, "x", Roles.Admin, s_now, "fan failure");
        Assert.Equal(to, gpu.Status);
    }

    [Fact]
    public void TransitionTo_InServiceWithoutPlacement_IsRefused()
    {
        var gpu = Card(GpuStatus.Validated);
        var ex = Assert.Throws<DomainException>(() => gpu.TransitionTo(GpuStatus.InService, "x", Roles.Technician, s_now));
        Assert.Contains("placed", ex.Message);
        var placed = Card(GpuStatus.Validated, placed: true);
        placed.TransitionTo(GpuStatus.InService, "x", Roles.Technician, s_now);
        Assert.Equal(s_now, placed.InServiceAt);
    }

    [Fact]
    public void ShippingItsRmaCase_ClosesTheCardsPlacement()
    {
        var gpu = Card(GpuStatus.Failed, placed: true);
        var rma = Rma.RmaCase.Open(gpu, null, "GEMM mismatches", null, null, false, "x", Roles.Technician, s_now.AddDays(-1), out _);
        rma.Ship(gpu, "1Z", s_now, null, "x", Roles.Technician, s_now);
        Assert.Equal(GpuStatus.RmaShipped, gpu.Status);
        Assert.Null(gpu.HostId);
        Assert.Null(gpu.Slot);
        Assert.All(gpu.Placements, p => Assert.Equal(s_now, p.To));
    }

    // Moving the card to RmaShipped from the GPU page left its case Open, and shipping the case then failed.
    [Theory]
    [InlineData(GpuStatus.Failed, GpuStatus.RmaPending)]
    [InlineData(GpuStatus.RmaPending, GpuStatus.RmaShipped)]
    [InlineData(GpuStatus.RmaShipped, GpuStatus.Returned)]
    [InlineData(GpuStatus.RmaPending, GpuStatus.Validated)]
    public void TransitionTo_RmaStep_IsRefusedAndPointsToTheCase(GpuStatus from, GpuStatus to)
    {
        var gpu = Card(from);
        var ex = Assert.Throws<DomainException>(() => gpu.TransitionTo(to, "x", Roles.Admin, s_now, "because"));
        Assert.Contains("RMA case", ex.Message, StringComparison.Ordinal);
        Assert.Equal(from, gpu.Status);
        Assert.DoesNotContain(to, GpuLifecycle.AllowedFrom(from, Roles.Admin));
    }

    [Theory]
    [InlineData(GpuStatus.RmaPending)]
    [InlineData(GpuStatus.RmaShipped)]
    public void TransitionTo_RetireUnderOpenCase_IsRefused(GpuStatus from)
    {
        var gpu = Card(from);
        Assert.Throws<DomainException>(() => gpu.TransitionTo(GpuStatus.Retired, "x", Roles.Admin, s_now, "scrap"));
        Assert.Equal(from, gpu.Status);
    }

    [Fact]
    public void Retired_IsReachableFromEveryStateButDisposedAndItself()
    {
        foreach (var status in Enum.GetValues<GpuStatus>())
        {
            var allowed = GpuLifecycle.AllowedFrom(status).Contains(GpuStatus.Retired);
            // A card under an open RMA case is retired once the case ends, not in the middle of it.
            Assert.Equal(status is not (GpuStatus.Disposed or GpuStatus.Retired or GpuStatus.RmaPending or GpuStatus.RmaShipped), allowed);
        }
    }

    [Fact]
    public void AllowedFrom_ForRole_IsSubsetOfAllowedForAnyRole()
    {
        foreach (var status in Enum.GetValues<GpuStatus>())
        {
            var any = GpuLifecycle.AllowedFrom(status);
            var direct = GpuLifecycle.Transitions.Where(t => t.From.Contains(status) && !t.ViaRmaCase).Select(t => t.To);
            Assert.Equal(direct.OrderBy(s => s), GpuLifecycle.AllowedFrom(status, Roles.Admin).OrderBy(s => s));
            Assert.Empty(GpuLifecycle.AllowedFrom(status, Roles.Viewer));
            Assert.All(GpuLifecycle.AllowedFrom(status, Roles.Technician), s => Assert.Contains(s, any));
        }
    }

    [Theory]
    [InlineData("inservice", GpuStatus.InService)]
    [InlineData(" BurnIn ", GpuStatus.BurnIn)]
    public void TryParse_NamesCaseInsensitively(string text, GpuStatus expected)
    {
        Assert.True(GpuLifecycle.TryParse(text, out var status));
        Assert.Equal(expected, status);
    }

    [Theory]
    [InlineData("3")]
    [InlineData("Broken")]
    [InlineData("")]
    [InlineData(null)]
    public void TryParse_NumbersAndUnknownNames_AreRejected(string? text) => Assert.False(GpuLifecycle.TryParse(text, out _));

    [Fact]
    public void PlaceIn_SlotOutsideHost_IsRefused()
    {
        var gpu = Card(GpuStatus.Validated);
        var ex = Assert.Throws<DomainException>(() => gpu.PlaceIn(new Host { Id = 1, Hostname = "h9", GpuSlots = 8 }, 1, 8, s_now));
        Assert.Contains("0–7", ex.Message);
    }

    [Fact]
    public void PlaceIn_MovingCard_ClosesOldPlacementAndOpensNew()
    {
        var gpu = Card(GpuStatus.InService, placed: true);
        gpu.PlaceIn(new Host { Id = 9, Hostname = "h2", GpuSlots = 8 }, 2, 0, s_now);
        Assert.Equal(2, gpu.Placements.Count);
        Assert.Single(gpu.Placements, p => p.To is null);
        Assert.Equal(9, gpu.HostId);
        Assert.Equal(2, gpu.DatacenterId);
    }
}
