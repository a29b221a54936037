namespace Fleet.Domain.Inventory;

public class Datacenter : IVersioned
{
    public int Id { get; set; }
    public required string Code { get; set; }
    public required string Name { get; set; }
    public decimal PowerCapacityKw { get; set; }
    public decimal Pue { get; set; } = 1.3m;
    public decimal ElectricityPricePerKwh { get; set; }
    public string Currency { get; set; } = "USD";
    public List<Rack> Racks { get; set; } = [];
    public long Version { get; set; }
}

public class Rack : IVersioned
{
    public int Id { get; set; }
    public int DatacenterId { get; set; }
    public Datacenter? Datacenter { get; set; }
    public required string Name { get; set; }
    public List<Host> Hosts { get; set; } = [];
    public long Version { get; set; }
}

public class Host : IVersioned
{
    public int Id { get; set; }
    public int RackId { get; set; }
    public Rack? Rack { get; set; }
    public required string Hostname { get; set; }
    public string ServerModel { get; set; } = "";
    public int GpuSlots { get; set; } = 8;
    public string? Serial { get; set; }
    public long Version { get; set; }
}

/// <summary>Where a card sat, from when to when (<see cref="To"/> null while it still sits there).</summary>
public class GpuPlacement
{
    public long Id { get; set; }
    public int GpuId { get; set; }
    public int HostId { get; set; }
    public Host? Host { get; set; }
    public int Slot { get; set; }
    public string? PciBusId { get; set; }
    public DateTime From { get; set; }
    public DateTime? To { get; set; }
}
