using Fleet.Data;
using Fleet.Migrations.Sqlite;
using Fleet.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Fleet.Data.Tests;

/// <summary>The embedded SQLite file is the user's data: it is backed up before a migration changes it.</summary>
public sealed class SqliteBackupTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fleet-backup-").FullName;
    private readonly SqliteDatabaseProvider _provider = new();

    private string File => Path.Combine(_folder, "fleet.db");

    private FleetDbContext NewContext() => new(_provider.CreateOptions(TestDatabase.SqliteFile(File)));

    [Fact]
    public async Task PrepareForMigration_OlderSchema_CopiesTheFileWithItsAppliedMigrationsBeforeMigrating()
    {
        string first;
        await using (var db = NewContext())
        {
            first = db.Database.GetMigrations().First();
            await db.GetService<IMigrator>().MigrateAsync(first);
            await db.Database.ExecuteSqlRawAsync("INSERT INTO datacenters (code, name, currency, power_capacity_kw, pue, electricity_price_per_kwh, version) VALUES ('OLD1', 'Kept', 'EUR', 1, 1.2, 0.2, 1)");
        }

        string? backup;
        await using (var db = NewContext())
        {
            backup = await _provider.PrepareForMigrationAsync(db, CancellationToken.None);
            await db.Database.MigrateAsync();
        }

        Assert.NotNull(backup);
        Assert.EndsWith($".{first}.bak", backup, StringComparison.Ordinal);
        await using var copy = new SqliteConnection(TestDatabase.SqliteFile(backup, mode: SqliteOpenMode.ReadOnly));
        await copy.OpenAsync();
        Assert.Equal(1L, await ScalarAsync(copy, "SELECT count(*) FROM __EFMigrationsHistory"));
        Assert.Equal("Kept", await ScalarAsync(copy, "SELECT name FROM datacenters WHERE code = 'OLD1'"));
    }

    [Fact]
    public async Task PrepareForMigration_NewOrCurrentFile_MakesNoBackupAndSetsWalOnce()
    {
        await using (var db = NewContext())
        {
            Assert.Null(await _provider.PrepareForMigrationAsync(db, CancellationToken.None));
            await db.Database.MigrateAsync();
        }

        await using (var db = NewContext())
        {
            Assert.Null(await _provider.PrepareForMigrationAsync(db, CancellationToken.None));
        }

        Assert.Single(Directory.GetFiles(_folder, "*.bak").Concat(Directory.GetFiles(_folder, "fleet.db")));
        await using var connection = new SqliteConnection(TestDatabase.SqliteFile(File));
        await connection.OpenAsync();
        Assert.Equal("wal", await ScalarAsync(connection, "PRAGMA journal_mode"));
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
