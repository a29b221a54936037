using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Fleet.Application.Rma;

public static class RmaServiceCollectionExtensions
{
    /// <summary>Registers RMA cases: open, ship, replacement, credit, withdraw.</summary>
    public static IServiceCollection AddFleetRma(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddScoped<RmaService>();
        return services;
    }
}
