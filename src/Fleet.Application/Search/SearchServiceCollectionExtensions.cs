using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Fleet.Application.Search;

public static class SearchServiceCollectionExtensions
{
    /// <summary>Registers free-text search and saved views.</summary>
    public static IServiceCollection AddFleetSearch(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddScoped<SearchService>();
        services.AddScoped<SavedViewService>();
        return services;
    }
}
