using Fleet.Application.Attention;
using Fleet.Application.BurnIn;
using Fleet.Application.Export;
using Fleet.Application.Finance;
using Fleet.Application.Import;
using Fleet.Application.Inventory;
using Fleet.Application.Planning;
using Fleet.Application.Procurement;
using Fleet.Application.Reports;
using Fleet.Application.Rma;
using Fleet.Application.Search;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Fleet.Application;

public static class FleetApplicationServiceCollectionExtensions
{
    /// <summary>Registers Fleet's use cases, one <c>AddFleetX</c> per feature area. Needs <c>AddFleetData</c> first.</summary>
    public static IServiceCollection AddFleetApplication(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddFleetInventory();
        services.AddFleetImport();
        services.AddFleetExport();
        services.AddFleetSearch();
        services.AddFleetProcurement();
        services.AddFleetRma();
        services.AddFleetFinance();
        services.AddFleetReports();
        services.AddFleetBurnIn();
        services.AddFleetPlanning();
        services.AddFleetAttention();
        return services;
    }
}
