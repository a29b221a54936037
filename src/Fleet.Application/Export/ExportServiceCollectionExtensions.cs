using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Application.Export;

public static class ExportServiceCollectionExtensions
{
    /// <summary>Registers the GPU CSV export.</summary>
    public static IServiceCollection AddFleetExport(this IServiceCollection services)
    {
        services.AddScoped<GpuExportService>();
        return services;
    }
}
