using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Fleet.Application.Inventory;

public static class InventoryServiceCollectionExtensions
{
    /// <summary>Registers the inventory: the card list and pages, bulk changes, card edits, locations and card links; options and the cursor protector registered earlier win over the defaults.</summary>
    public static IServiceCollection AddFleetInventory(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new InventoryOptions());
        services.TryAddSingleton<ICursorProtector>(new HmacCursorProtector());
        services.AddScoped<InventoryService>();
        services.AddScoped<GpuBulkService>();
        services.AddScoped<GpuEditService>();
        services.AddScoped<LocationService>();
        services.AddScoped<CardLinkService>();
        return services;
    }
}
