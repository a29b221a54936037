using Fleet.Application.BurnIn;
using Fleet.Application.Export;
using Fleet.Application.Import;
using Fleet.Application.Inventory;
using Fleet.Application.Planning;
using Fleet.Application.Procurement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Fleet.Application;

public static class FleetApplicationServiceCollectionExtensions
{
    /// <summary>Registers Fleet's use cases. Needs <c>AddFleetData</c> first.</summary>
    public static IServiceCollection AddFleetApplication(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new ImportOptions());
        services.TryAddSingleton(new InventoryOptions());
        services.TryAddSingleton<ICursorProtector>(new HmacCursorProtector());
        services.AddScoped<InventoryService>();
        services.AddScoped<GpuImportService>();
        services.AddScoped<GpuExportService>();
        services.AddFleetProcurement();
        services.AddFleetBurnIn();
        services.AddFleetPlanning();
        return services;
    }
}
