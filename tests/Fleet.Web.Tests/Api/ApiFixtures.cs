namespace Fleet.Web.Tests.Api;

/// <summary>
/// One running app per provider, shared by a test class: started once, arranged once (<see cref="ArrangeAsync"/>), and a
/// skip (no PostgreSQL on a laptop) or a start-up failure reported by every test that asks for <see cref="App"/>.
/// </summary>
public abstract class SharedAppFixture(string provider, bool seedDemo = false, IReadOnlyDictionary<string, string>? settings = null) : IAsyncLifetime
{
    private Exception? _unavailable;
    private FleetWebFactory? _app;

    public string Provider => provider;

    public FleetWebFactory App
    {
        get
        {
            Skip.If(_unavailable is SkipException, _unavailable?.Message);
            return _unavailable is null ? _app! : throw new InvalidOperationException("The test app did not start.", _unavailable);
        }
    }

    public async Task InitializeAsync()
    {
        try
        {
            _app = await new FleetWebFactory(provider, seedDemo, settings).StartAsync();
            await ArrangeAsync(_app);
        }
        catch (Exception ex)
        {
            _unavailable = ex;
        }
    }

    /// <summary>Data every test of the class shares, written once after start-up.</summary>
    protected virtual Task ArrangeAsync(FleetWebFactory app) => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

/// <summary>One running app over the seeded demo fleet per provider, shared by a test class.</summary>
public abstract class DemoAppFixture(string provider) : SharedAppFixture(provider, seedDemo: true);

public sealed class SqliteDemoAppFixture() : DemoAppFixture(TestDatabase.Sqlite);

public sealed class PostgresDemoAppFixture() : DemoAppFixture(TestDatabase.Postgres);
