using Fleet.Data;
using Fleet.Domain.Procurement;
using Npgsql;

namespace Fleet.Web.Tests.Api;

/// <summary>
/// Each provider tells a unique violation (409) from an unreachable database (503) and from every other error (500, never
/// reported as a conflict), on the real errors its driver raises.
/// </summary>
public abstract class DatabaseErrorTests(string provider)
{
    [SkippableFact]
    public async Task Classify_SecondVendorWithTheSameName_IsUniqueViolation()
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using (var first = database.CreateContext())
        {
            first.Vendors.Add(new Vendor { Name = "Twice" });
            await first.SaveChangesAsync();
        }

        await using var second = database.CreateContext();
        second.Vendors.Add(new Vendor { Name = "Twice" });
        var error = await Assert.ThrowsAsync<DbUpdateException>(() => second.SaveChangesAsync());
        Assert.Equal(DatabaseErrorKind.UniqueViolation, database.Provider.Classify(error));
    }

    [SkippableFact]
    public async Task Classify_ForeignKeyViolation_IsNeitherConflictNorUnavailable()
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.CreateContext();
        db.PurchaseOrders.Add(new PurchaseOrder { Number = "PO-FK", VendorId = 987_654 });
        var error = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        Assert.Equal(DatabaseErrorKind.Other, database.Provider.Classify(error));
    }

    [SkippableFact]
    public async Task Classify_NoDatabaseToConnectTo_IsUnavailable()
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var dead = provider == TestDatabase.Sqlite
            ? TestDatabase.SqliteFile(Path.Combine(Path.GetTempPath(), $"no-such-folder-{Guid.NewGuid():N}", "fleet.db"))
            : new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = 1, Username = "postgres", Timeout = 2, Pooling = false }.ConnectionString;
        await using var db = new FleetDbContext(database.Provider.CreateOptions(dead));
        var error = await Assert.ThrowsAnyAsync<Exception>(() => db.Vendors.CountAsync());
        Assert.Equal(DatabaseErrorKind.Unavailable, database.Provider.Classify(error));
    }

    [Fact]
    public void Classify_NonDatabaseError_IsOther()
    {
        IDatabaseProvider p = provider == TestDatabase.Sqlite ? new Fleet.Migrations.Sqlite.SqliteDatabaseProvider() : new Fleet.Migrations.Postgres.PostgresDatabaseProvider();
        Assert.Equal(DatabaseErrorKind.Other, p.Classify(new InvalidOperationException("not the database", new ArgumentException("x"))));
    }
}

public sealed class SqliteDatabaseErrorTests() : DatabaseErrorTests(TestDatabase.Sqlite);

public sealed class PostgresDatabaseErrorTests() : DatabaseErrorTests(TestDatabase.Postgres);
