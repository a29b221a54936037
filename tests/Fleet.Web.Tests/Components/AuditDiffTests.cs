using Fleet.Web.Components.Shared;

namespace Fleet.Web.Tests.Components;

public sealed class AuditDiffTests
{
    [Fact]
    public void Compute_StatusChanged_ReturnsOnlyThatField()
    {
        var changes = AuditDiff.Compute(
            """{"serial":"S1","status":"InService","slot":3}""",
            """{"serial":"S1","status":"Failed","slot":3}""");

        var change = Assert.Single(changes);
        Assert.Equal(new FieldChange("status", "InService", "Failed"), change);
    }

    [Fact]
    public void Compute_CreatedEntity_EveryFieldChangesFromNull()
    {
        var changes = AuditDiff.Compute(null, """{"serial":"S1","unitCost":30000}""");

        Assert.Equal([new FieldChange("serial", null, "S1"), new FieldChange("unitCost", null, "30000")], changes);
    }

    [Fact]
    public void Compute_FieldRemoved_ShowsAfterAsNull()
    {
        var changes = AuditDiff.Compute("""{"host":"h1","slot":2}""", """{"slot":2}""");

        Assert.Equal([new FieldChange("host", "h1", null)], changes);
    }

    [Fact]
    public void Readable_HostMoved_NamesBothHostsAndTheField()
    {
        var references = new Dictionary<string, string> { ["hostId:4"] = "fra1-r01-h04", ["hostId:9"] = "fra1-r02-h01" };
        var change = Assert.Single(AuditDiff.Compute("""{"hostId":4,"slot":2}""", """{"hostId":9,"slot":2}"""));

        Assert.Equal(new FieldChange("host", "fra1-r01-h04", "fra1-r02-h01"), AuditDiff.Readable(change, references));
    }

    [Fact]
    public void Readable_UnknownIdOrOrdinaryField_LeftAsIs()
    {
        var references = new Dictionary<string, string> { ["gpuModelId:1"] = "H100 SXM5 80GB" };

        Assert.Equal(new FieldChange("model", null, "7"), AuditDiff.Readable(new FieldChange("gpuModelId", null, "7"), references));
        Assert.Equal(new FieldChange("slot", "1", "2"), AuditDiff.Readable(new FieldChange("slot", "1", "2"), references));
        Assert.Equal(new FieldChange("datacenter", "3", null), AuditDiff.Readable(new FieldChange("datacenterId", "3", null), null));
    }

    [Fact]
    public void Compute_MalformedJson_ReturnsWholeSnapshotInsteadOfThrowing()
    {
        var changes = AuditDiff.Compute("not json", """{"a":1}""");

        Assert.Equal([new FieldChange("(snapshot)", "not json", """{"a":1}""")], changes);
    }
}
