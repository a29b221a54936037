using Fleet.Domain.Inventory;

namespace Fleet.Application.Import;

/// <summary>
/// Imports a GPU list from CSV: the upload is streamed to a temporary file under size, header and column caps (never
/// held in memory), everything is validated first (every error with line, column, value and message), then committed
/// all-or-nothing in one transaction through the provider's bulk writer. On upsert a changed status is a lifecycle
/// move judged by <see cref="Gpu.TransitionTo"/> for the importing role; rows that change nothing are not written.
/// The stages, each its own class: <see cref="ImportSpool"/> (bytes to text), <see cref="GpuCsvReader"/> (records),
/// <see cref="GpuRowRules"/> (fields), <see cref="GpuFileChecks"/> (within the file), <see cref="GpuDatabaseChecks"/>
/// (against the database) and <see cref="GpuImportCommit"/>.
/// </summary>
public sealed class GpuImportService(
    IDbContextFactory<FleetDbContext> contexts, IDatabaseProvider provider, TimeProvider time, ImportOptions options)
{
    public async Task<ImportResult> ImportAsync(Stream content, ImportMode mode, bool dryRun, Actor actor, CancellationToken ct = default)
    {
        var errors = new ImportErrorList(options.MaxErrors);
        var rows = new List<GpuImportRow>();
        await using (var spool = await ImportSpool.CreateAsync(content, options, errors, ct))
        {
            if (spool is null)
            {
                return new ImportResult(dryRun, 0, 0, errors.Items);
            }

            using var text = spool.OpenText();
            foreach (var record in GpuCsvReader.Read(text, spool.Delimiter, errors, options.MaxRows, () => rows.Count))
            {
                if (GpuRowRules.Check(record.Line, record.Row, errors) is { } row)
                {
                    rows.Add(row);
                }

                if (errors.Full)
                {
                    break;
                }
            }
        }

        if (rows.Count == 0 && errors.Count == 0)
        {
            errors.Add(2, "", null, "The file has a header but no GPU rows.");
        }

        if (errors.Count > 0 && rows.Count == 0)
        {
            return new ImportResult(dryRun, 0, 0, errors.Items);
        }

        GpuFileChecks.Check(rows, errors);
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var plan = await GpuDatabaseChecks.CheckAsync(db, rows, mode, actor, now, errors, ct);
        if (errors.Count > 0)
        {
            return new ImportResult(dryRun, 0, 0, errors.Items);
        }

        if (dryRun || plan.Inserts.Count + plan.Updates.Count == 0)
        {
            return new ImportResult(dryRun, plan.Inserts.Count, plan.Updates.Count, [], plan.Unchanged);
        }

        await GpuImportCommit.CommitAsync(db, provider, plan, actor, now, ct);
        return new ImportResult(false, plan.Inserts.Count, plan.Updates.Count, [], plan.Unchanged);
    }
}
