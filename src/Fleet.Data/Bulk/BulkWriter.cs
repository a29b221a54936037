using System.Data.Common;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Fleet.Data.Bulk;

/// <summary>Writes many new rows of one entity type in one pass, bypassing the change tracker.</summary>
public interface IBulkWriter
{
    /// <summary>Inserts <paramref name="rows"/> (store-generated keys are left to the database) in the current transaction.</summary>
    Task InsertAsync<T>(FleetDbContext db, IEnumerable<T> rows, CancellationToken ct) where T : class;
}

/// <summary>The columns EF Core maps for an entity type, with the value each row stores in them.</summary>
public sealed class BulkTable
{
    private BulkTable(string table, IReadOnlyList<IProperty> properties)
    {
        Table = table;
        Properties = properties;
        Columns = properties.Select(p => p.GetColumnName()).ToList();
    }

    public string Table { get; }
    public IReadOnlyList<IProperty> Properties { get; }
    public IReadOnlyList<string> Columns { get; }

    public static BulkTable For<T>(DbContext db)
    {
        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not mapped.");
        var properties = entity.GetProperties()
            .Where(p => !(p.IsPrimaryKey() && p.ValueGenerated == Microsoft.EntityFrameworkCore.Metadata.ValueGenerated.OnAdd))
            // Columns the database keeps itself (a trigger's copy) are never written.
            .Where(p => p.GetBeforeSaveBehavior() != PropertySaveBehavior.Ignore)
            .ToList();
        return new BulkTable(entity.GetTableName()!, properties);
    }

    /// <summary>The provider value of each column for <paramref name="row"/> (converters applied, versions starting at 1).</summary>
    public object?[] Values(object row)
    {
        var values = new object?[Properties.Count];
        for (var i = 0; i < values.Length; i++)
        {
            var p = Properties[i];
            var value = p.GetGetter().GetClrValue(row);
            if (p.Name == nameof(Domain.IVersioned.Version) && value is 0L)
            {
                value = 1L;
            }

            var converter = p.GetTypeMapping().Converter;
            values[i] = value is null ? null : converter is null ? value : converter.ConvertToProvider(value);
        }

        return values;
    }
}

/// <summary>Portable bulk insert: one prepared INSERT, re-bound per row, inside one transaction (fast on SQLite).</summary>
public sealed class PreparedInsertBulkWriter : IBulkWriter
{
    public async Task InsertAsync<T>(FleetDbContext db, IEnumerable<T> rows, CancellationToken ct) where T : class
    {
        var table = BulkTable.For<T>(db);
        var connection = db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await db.Database.OpenConnectionAsync(ct);
        }

        await using var command = connection.CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText =
            $"INSERT INTO \"{table.Table}\" ({string.Join(", ", table.Columns.Select(c => $"\"{c}\""))}) " +
            $"VALUES ({string.Join(", ", table.Columns.Select((_, i) => $"@p{i}"))})";
        var parameters = new DbParameter[table.Columns.Count];
        for (var i = 0; i < parameters.Length; i++)
        {
            parameters[i] = command.CreateParameter();
            parameters[i].ParameterName = $"@p{i}";
            command.Parameters.Add(parameters[i]);
        }

        await command.PrepareAsync(ct);
        foreach (var row in rows)
        {
            var values = table.Values(row);
            for (var i = 0; i < values.Length; i++)
            {
                parameters[i].Value = values[i] ?? DBNull.Value;
            }

            await command.ExecuteNonQueryAsync(ct);
        }
    }
}
