using Fleet.Application.Finance;
using Fleet.Application.Reports;
using Fleet.Application.Rma;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Fleet.Application.Procurement;

public static class ProcurementServiceCollectionExtensions
{
    /// <summary>Registers procurement, RMA, finance and reports; options registered earlier win over the defaults.</summary>
    public static IServiceCollection AddFleetProcurement(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new ProcurementOptions());
        services.TryAddSingleton(new FinanceOptions());
        services.AddScoped<ProcurementService>();
        services.AddScoped<RmaService>();
        services.AddScoped<FinanceService>();
        services.AddScoped<ProfileValidationService>();
        services.AddScoped<ReportService>();
        return services;
    }
}
