namespace Fleet.Domain.Finance;

/// <summary>Finance's depreciation terms for one GPU model; without one the model's <c>DepreciationMonths</c> and no salvage apply.</summary>
public class DepreciationPolicy : IVersioned
{
    public int Id { get; set; }
    public int GpuModelId { get; set; }
    public int LifeMonths { get; set; } = 60;
    /// <summary>Salvage floor as a fixed amount in the card's currency; wins over <see cref="SalvagePercent"/> when set.</summary>
    public decimal? SalvageAmount { get; set; }
    /// <summary>Salvage floor as a percentage of cost (0–100).</summary>
    public decimal SalvagePercent { get; set; }
    public long Version { get; set; }
}

/// <summary>A capex budget for one datacenter and fiscal year, in one currency.</summary>
public class Budget : IVersioned
{
    public int Id { get; set; }
    public int DatacenterId { get; set; }
    public int FiscalYear { get; set; }
    public string Currency { get; set; } = "USD";
    public decimal Amount { get; set; }
    public long Version { get; set; }
}

/// <summary>Measured energy of one card over a period (from telemetry); power cost prefers it over TDP × assumed load.</summary>
public class GpuEnergyReading
{
    public long Id { get; set; }
    public int GpuId { get; set; }
    public DateTime PeriodStart { get; set; }
    public DateTime PeriodEnd { get; set; }
    public double EnergyKwh { get; set; }
}

/// <summary>An uploaded inference profile, kept whole as JSON with the keys the cost reports look up.</summary>
public class StoredProfile
{
    public int Id { get; set; }
    public required string GpuModel { get; set; }
    public required string Model { get; set; }
    public required string Dtype { get; set; }
    /// <summary>Best measured decode rate of one card (tokens per second), for listing; cost per token uses the profile's decode fit at an operating point instead.</summary>
    public double TokensPerSecond { get; set; }
    public DateTime UploadedAt { get; set; }
    public required string Json { get; set; }
    /// <summary>The card it was measured on, when a profile campaign's job measured it; null for an upload from the CLI.</summary>
    public int? GpuId { get; set; }
    public string? GpuSerial { get; set; }
    /// <summary>The profile campaign's job that measured it.</summary>
    public long? BurnInJobId { get; set; }
}
