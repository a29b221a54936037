using Fleet.Application.Inventory;
using Fleet.Application.Procurement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Fleet.Application.Attention;

public static class DailyWorkServiceCollectionExtensions
{
    /// <summary>Card edits, locations, the attention list and vendor activation; options registered earlier win over the defaults.</summary>
    public static IServiceCollection AddFleetDailyWorkServices(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new AttentionOptions());
        services.AddScoped<GpuEditService>();
        services.AddScoped<LocationService>();
        services.AddScoped<AttentionService>();
        services.AddScoped<VendorService>();
        services.AddScoped<CardLinkService>();
        return services;
    }
}
