using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Fleet.Application.Reports;

public static class ReportsServiceCollectionExtensions
{
    /// <summary>Registers finance's reports; options registered earlier win over the defaults.</summary>
    public static IServiceCollection AddFleetReports(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new Finance.FinanceOptions());
        services.AddScoped<ReportService>();
        return services;
    }
}
