using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Fleet.Application.BurnIn;

public static class BurnInServiceCollectionExtensions
{
    /// <summary>Registers the burn-in use cases (campaigns, the agent protocol, queries).</summary>
    public static IServiceCollection AddFleetBurnIn(this IServiceCollection services)
    {
        services.TryAddSingleton(new BurnInOptions());
        services.AddSingleton<FleetHistoryCache>();
        services.AddScoped<CreateBurnInCampaign>();
        services.AddScoped<ClaimBurnInJob>();
        services.AddScoped<HeartbeatBurnInJob>();
        services.AddScoped<IngestBurnInResult>();
        services.AddScoped<IngestProfileResult>();
        services.AddScoped<ExpireBurnInLeases>();
        services.AddScoped<BurnInQueries>();
        return services;
    }
}
