using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Fleet.Application.Finance;

public static class FinanceServiceCollectionExtensions
{
    /// <summary>Registers finance (budgets, depreciation policy) and inference-profile validation; options registered earlier win over the defaults.</summary>
    public static IServiceCollection AddFleetFinance(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new FinanceOptions());
        services.AddScoped<FinanceService>();
        services.AddScoped<ProfileValidationService>();
        return services;
    }
}
