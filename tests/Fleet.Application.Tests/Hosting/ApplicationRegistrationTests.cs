using Fleet.Data;
using Fleet.Migrations.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Application.Tests.Hosting;

/// <summary><c>AddFleetApplication</c> (one <c>AddFleetX</c> per area) registers every use case exactly once, and each resolves.</summary>
public sealed class ApplicationRegistrationTests
{
    private static ServiceCollection Services()
    {
        var services = new ServiceCollection();
        services.AddFleetData(new SqliteDatabaseProvider(), "Data Source=registration-test.db");
        services.AddFleetApplication();
        return services;
    }

    private static IReadOnlyList<ServiceDescriptor> ApplicationDescriptors() =>
        Services().Where(d => d.ServiceType.Assembly == typeof(FleetApplicationServiceCollectionExtensions).Assembly).ToList();

    /// <summary>The use cases: Fleet.Application's public classes that work on the database.</summary>
    private static IEnumerable<Type> UseCaseClasses() =>
        typeof(FleetApplicationServiceCollectionExtensions).Assembly.GetExportedTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false })
            .Where(t => t.GetConstructors().Any(c => c.GetParameters().Any(p => p.ParameterType == typeof(IDbContextFactory<FleetDbContext>))));

    [Fact]
    public void AddFleetApplication_EveryServiceType_IsRegisteredOnce()
    {
        var twice = ApplicationDescriptors().GroupBy(d => d.ServiceType).Where(g => g.Count() > 1).Select(g => g.Key.FullName).ToList();

        Assert.Empty(twice);
    }

    [Fact]
    public void AddFleetApplication_EveryUseCaseClass_IsRegistered()
    {
        var registered = ApplicationDescriptors().Select(d => d.ServiceType).ToHashSet();

        var missing = UseCaseClasses().Where(t => !registered.Contains(t)).Select(t => t.FullName).ToList();

        Assert.NotEmpty(UseCaseClasses());
        Assert.Empty(missing);
    }

    [Fact]
    public void AddFleetApplication_ValidatedProvider_ResolvesEveryApplicationService()
    {
        using var provider = Services().BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        using var scope = provider.CreateScope();

        foreach (var descriptor in ApplicationDescriptors())
        {
            Assert.NotNull(scope.ServiceProvider.GetRequiredService(descriptor.ServiceType));
        }
    }

    [Fact]
    public void AddFleetApplication_Procurement_RegistersOneClassPerFeature()
    {
        var registered = ApplicationDescriptors().Select(d => d.ServiceType.Name).ToHashSet();

        Assert.Subset(registered, new HashSet<string> { "VendorService", "PurchaseOrderService", "QuoteService", "ReceivingService", "InvoiceService" });
    }
}
