using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Fleet.Application.Procurement;

public static class ProcurementServiceCollectionExtensions
{
    /// <summary>Registers procurement: vendors, purchase orders, quotes, receiving and invoices; options registered earlier win over the defaults.</summary>
    public static IServiceCollection AddFleetProcurement(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new ProcurementOptions());
        services.AddScoped<VendorService>();
        services.AddScoped<PurchaseOrderService>();
        services.AddScoped<QuoteService>();
        services.AddScoped<ReceivingService>();
        services.AddScoped<InvoiceService>();
        return services;
    }
}
