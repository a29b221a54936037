using Fleet.Data.Identity;
using Fleet.Web.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;

namespace Fleet.Web.Tests.Security;

/// <summary>Demo users (public password) exist only with the demo seed on, in Development or when asked for explicitly.</summary>
public abstract class DemoUsersTests(string provider)
{
    private static Dictionary<string, string> Settings(string environment, string seed, string users) => new()
    {
        ["environment"] = environment,
        ["Fleet:Demo:Seed"] = seed,
        ["Fleet:Demo:Users"] = users,
        ["Fleet:Demo:Scale"] = "0.01",
    };

    [SkippableTheory]
    [InlineData("Production", "false", "")]
    [InlineData("Production", "true", "")]
    [InlineData("Development", "false", "")]
    [InlineData("Development", "false", "true")]
    [InlineData("Development", "true", "false")]
    public async Task Startup_DemoUsersOff_CreatesNoDemoUserAndNoBanner(string environment, string seed, string users)
    {
        await using var app = await new FleetWebFactory(provider, settings: Settings(environment, seed, users)).StartAsync();

        Assert.Empty(await DemoAccountsAsync(app));
        var login = await app.CreateClient().GetStringAsync("/login");
        Assert.DoesNotContain("demo-banner", login, StringComparison.Ordinal);
        Assert.DoesNotContain(DemoUsers.Password, login, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData("Development", "true", "")]
    [InlineData("Production", "true", "true")]
    public async Task Startup_DemoUsersOn_CreatesThemWithBannerAndWarning(string environment, string seed, string users)
    {
        var log = new ListLoggerProvider();
        await using var app = await new FleetWebFactory(provider, settings: Settings(environment, seed, users),
            configure: b => b.ConfigureLogging(l => l.AddProvider(log))).StartAsync();

        Assert.Equal(DemoUsers.All.Select(u => u.Email).Order(), (await DemoAccountsAsync(app)).Order());
        var login = await app.CreateClient().GetStringAsync("/login");
        Assert.Contains("data-testid=\"demo-banner\"", login, StringComparison.Ordinal);
        Assert.Contains("Demo instance.", login, StringComparison.Ordinal);
        Assert.Contains(log.Messages, m => m.Level == LogLevel.Warning && m.Text.Contains("demo instance", StringComparison.OrdinalIgnoreCase));
    }

    [SkippableFact]
    public async Task Startup_DemoUsersLeftFromAnEarlierDemoRun_AreDisabledWhenDemoUsersAreOff()
    {
        await using var app = await new FleetWebFactory(provider, settings: Settings("Production", "false", "")).StartAsync();
        var admin = await app.CreateUserAsync(DemoUsers.All[0].Email, Fleet.Domain.Roles.Admin, DemoUsers.Password);

        // A second start on the same database, as after promoting a demo database.
        await using var again = new FleetWebFactory(provider, settings: new Dictionary<string, string>(Settings("Production", "false", ""))
        {
            ["ConnectionStrings:Fleet"] = app.Database.ConnectionString,
        });
        await using var restarted = await again.StartAsync();
        using var client = restarted.CookieClient();
        using var response = await SecurityTestSupport.PostLoginAsync(client, admin.Email!, DemoUsers.Password);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Wrong e-mail or password", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task<List<string>> DemoAccountsAsync(FleetWebFactory app)
    {
        using var scope = app.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<FleetUser>>();
        var emails = DemoUsers.All.Select(u => u.Email.ToUpperInvariant()).ToList();
        return await users.Users.Where(u => emails.Contains(u.NormalizedEmail!)).Select(u => u.Email!).ToListAsync();
    }
}

public sealed class SqliteDemoUsersTests() : DemoUsersTests(TestDatabase.Sqlite);

public sealed class PostgresDemoUsersTests() : DemoUsersTests(TestDatabase.Postgres);

/// <summary>Collects log messages, to check what start-up warns about.</summary>
public sealed class ListLoggerProvider : ILoggerProvider
{
    private readonly List<(LogLevel Level, string Text)> _messages = [];

    public IReadOnlyList<(LogLevel Level, string Text)> Messages
    {
        get
        {
            lock (_messages)
            {
                return [.. _messages];
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(ListLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner._messages)
            {
                owner._messages.Add((logLevel, formatter(state, exception)));
            }
        }
    }
}
