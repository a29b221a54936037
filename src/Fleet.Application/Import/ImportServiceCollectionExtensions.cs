using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Fleet.Application.Import;

public static class ImportServiceCollectionExtensions
{
    /// <summary>Registers the GPU CSV import; options registered earlier win over the defaults.</summary>
    public static IServiceCollection AddFleetImport(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new ImportOptions());
        services.AddScoped<GpuImportService>();
        return services;
    }
}
