using System.Text.Json;
using Fleet.Domain.Finance;
using Fleet.Planning.Validation;

namespace Fleet.Application.Finance;

/// <summary>A stored validation with its predicted-against-measured figures.</summary>
public sealed record ProfileValidationItem(int Id, int? ProfileId, string Label, double WorstP50P90Error, DateTime UploadedAt, ValidationReport Report);

/// <summary>Stores <c>fleet plan validate</c> results (<see cref="ValidationReport"/>'s JSON) and lists them for the profiles page.</summary>
public sealed class ProfileValidationService(IDbContextFactory<FleetDbContext> contexts, TimeProvider time)
{
    public const int MaxJsonChars = 64 * 1024;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Stores a validate result; <paramref name="profileId"/>, when given, must name a stored profile.</summary>
    public async Task<ProfileValidationItem> UploadAsync(string json, int? profileId, string? label, Actor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(actor);
        if (json.Length > MaxJsonChars)
        {
            throw new ValidationException("body", "A validation result is at most 64 KiB.");
        }

        var report = Parse(json);
        label = string.IsNullOrWhiteSpace(label) ? null : label.Trim();
        if (label is { Length: > 200 })
        {
            throw new ValidationException("label", $"label is at most 200 characters, got {label.Length}.");
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        string? profileName = null;
        if (profileId is { } id)
        {
            var profile = await db.StoredProfiles.AsNoTracking().Where(p => p.Id == id).Select(p => new { p.GpuModel, p.Model, p.Dtype }).FirstOrDefaultAsync(ct)
                ?? throw new ValidationException("profileId", $"No stored profile has id {id}.");
            profileName = $"{profile.Model} {profile.Dtype} on {profile.GpuModel}";
        }

        var row = new ProfileValidation
        {
            StoredProfileId = profileId,
            Label = label ?? profileName ?? "validation",
            WorstP50P90Error = report.GatedErrors().Max(e => Math.Abs(e.Error)),
            UploadedAt = time.GetUtcNow().UtcDateTime,
            Json = json,
        };
        db.ProfileValidations.Add(row);
        db.AuditEntries.Add(AuditLog.Entry(actor, row.UploadedAt, nameof(ProfileValidation), row.Label, AuditActions.Create, null,
            new { row.StoredProfileId, row.Label, row.WorstP50P90Error }));
        await db.SaveChangesAsync(ct);
        return new ProfileValidationItem(row.Id, row.StoredProfileId, row.Label, row.WorstP50P90Error, row.UploadedAt, report);
    }

    /// <summary>Every stored validation, newest first.</summary>
    public async Task<IReadOnlyList<ProfileValidationItem>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = await db.ProfileValidations.AsNoTracking().OrderByDescending(v => v.UploadedAt).ThenByDescending(v => v.Id).ToListAsync(ct);
        return [.. rows.Select(v => new ProfileValidationItem(v.Id, v.StoredProfileId, v.Label, v.WorstP50P90Error, v.UploadedAt, Parse(v.Json)))];
    }

    /// <summary>The validate JSON, every figure present: predicted, measured and relativeError, each with ttft/tpot/e2e p50/p90/p99 and throughput.</summary>
    private static ValidationReport Parse(string json)
    {
        ValidationReport? report;
        try
        {
            report = JsonSerializer.Deserialize<ValidationReport>(json, s_json);
        }
        catch (JsonException e)
        {
            throw new ValidationException("body", $"Not the JSON `fleet plan validate --json` writes ({{ predicted, measured, relativeError }}): {e.Message}");
        }

        foreach (var (name, part) in new[] { ("predicted", report?.Predicted), ("measured", report?.Measured), ("relativeError", report?.RelativeError) })
        {
            if (part is null)
            {
                throw new ValidationException(name, $"{name} is missing: expected {{ ttft: {{ p50, p90, p99 }}, tpot, e2e, throughput }}.");
            }

            foreach (var (latency, triple) in new[] { ("ttft", part.Ttft), ("tpot", part.Tpot), ("e2e", part.E2e) })
            {
                if (triple is null)
                {
                    throw new ValidationException($"{name}.{latency}", $"{name}.{latency} is missing: expected {{ p50, p90, p99 }}.");
                }
            }
        }

        return report!;
    }
}
