using Fleet.Data;
using Microsoft.EntityFrameworkCore;

namespace Fleet.Testing;

/// <summary>The one <see cref="IDbContextFactory{TContext}"/> the tests hand to services: contexts on a test database.</summary>
public sealed class TestContextFactory(TestDatabase database) : IDbContextFactory<FleetDbContext>
{
    public FleetDbContext CreateDbContext() => database.CreateContext();
}
