using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Fleet.Application.Attention;

public static class AttentionServiceCollectionExtensions
{
    /// <summary>Registers the attention list (what is waiting for whom); options registered earlier win over the defaults.</summary>
    public static IServiceCollection AddFleetAttention(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new AttentionOptions());
        services.AddScoped<AttentionService>();
        return services;
    }
}
