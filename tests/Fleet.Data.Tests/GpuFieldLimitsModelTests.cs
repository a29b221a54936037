using Fleet.Domain.Catalog;
using Fleet.Domain.Inventory;
using Fleet.Testing;
using Microsoft.EntityFrameworkCore;

namespace Fleet.Data.Tests;

/// <summary>The database columns are as wide as the one table of a card's lengths says, so the import, the editor and EF agree.</summary>
public abstract class GpuFieldLimitsModelContractTests(string provider)
{
    public static TheoryData<Type, string, int> Columns => new()
    {
        { typeof(Gpu), nameof(Gpu.Serial), GpuFieldLimits.Serial },
        { typeof(Gpu), nameof(Gpu.Uuid), GpuFieldLimits.Uuid },
        { typeof(Gpu), nameof(Gpu.AssetTag), GpuFieldLimits.AssetTag },
        { typeof(Gpu), nameof(Gpu.BoardPartNumber), GpuFieldLimits.BoardPartNumber },
        { typeof(Gpu), nameof(Gpu.Vbios), GpuFieldLimits.Vbios },
        { typeof(Gpu), nameof(Gpu.PoNumber), GpuFieldLimits.PoNumber },
        { typeof(Gpu), nameof(Gpu.Currency), GpuFieldLimits.Currency },
        { typeof(Gpu), nameof(Gpu.Notes), GpuFieldLimits.Notes },
        { typeof(Gpu), nameof(Gpu.Status), GpuFieldLimits.Status },
        { typeof(GpuModel), nameof(GpuModel.Name), GpuFieldLimits.Model },
        { typeof(Host), nameof(Host.Hostname), GpuFieldLimits.Host },
        { typeof(Datacenter), nameof(Datacenter.Code), GpuFieldLimits.Datacenter },
    };

    [SkippableTheory]
    [MemberData(nameof(Columns))]
    public async Task Model_GpuColumn_HasTheTablesMaxLength(Type entity, string property, int limit)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.CreateContext();

        var column = db.Model.FindEntityType(entity)?.FindProperty(property);

        Assert.NotNull(column);
        Assert.Equal(limit, column.GetMaxLength());
    }

    [Fact]
    public void Table_CurrencyColumn_IsACurrencyCodesLength() => Assert.Equal(3, GpuFieldLimits.Currency);
}

public sealed class SqliteGpuFieldLimitsModelTests() : GpuFieldLimitsModelContractTests(TestDatabase.Sqlite);

public sealed class PostgresGpuFieldLimitsModelTests() : GpuFieldLimitsModelContractTests(TestDatabase.Postgres);
