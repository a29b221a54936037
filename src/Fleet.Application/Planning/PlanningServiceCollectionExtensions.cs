using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Fleet.Application.Planning;

public static class PlanningServiceCollectionExtensions
{
    /// <summary>Registers the planner: the queue and its runner (singletons; the host runs <see cref="PlanRunner.RunAsync"/>), the service.</summary>
    public static IServiceCollection AddFleetPlanning(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new PlanningOptions());
        services.TryAddSingleton<PlanQueue>();
        services.TryAddSingleton<PlanRunner>();
        services.AddScoped<PlanningService>();
        services.AddScoped<IPlanningService>(sp => sp.GetRequiredService<PlanningService>());
        return services;
    }
}
