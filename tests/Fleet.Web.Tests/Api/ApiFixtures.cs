using Fleet.Testing;

namespace Fleet.Web.Tests.Api;

/// <summary>One running app over the seeded demo fleet per provider, shared by a test class.</summary>
public abstract class DemoAppFixture(string provider) : IAsyncLifetime
{
    private Exception? _unavailable;
    private FleetWebFactory? _app;

    public FleetWebFactory App
    {
        get
        {
            Skip.If(_unavailable is SkipException, _unavailable?.Message);
            if (_unavailable is not null)
            {
                throw new InvalidOperationException("The test app did not start.", _unavailable);
            }

            return _app!;
        }
    }

    public async Task InitializeAsync()
    {
        try
        {
            _app = await new FleetWebFactory(provider, seedDemo: true).StartAsync();
        }
        catch (Exception ex)
        {
            _unavailable = ex;
        }
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

public sealed class SqliteDemoAppFixture() : DemoAppFixture(TestDatabase.Sqlite);

public sealed class PostgresDemoAppFixture() : DemoAppFixture(TestDatabase.Postgres);
