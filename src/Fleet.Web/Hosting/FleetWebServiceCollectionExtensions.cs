using System.Text.Json.Serialization;
using Fleet.Application;
using Fleet.Data;
using Fleet.Data.Identity;
using Fleet.Data.Seeding;
using Fleet.Migrations.Postgres;
using Fleet.Migrations.Sqlite;
using Fleet.Web.Api;
using Fleet.Web.Components;
using Fleet.Web.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using MudBlazor.Services;

namespace Fleet.Web.Hosting;

public static class FleetWebServiceCollectionExtensions
{
    /// <summary>The store named by <c>Database:Provider</c>, its connection string, migrations and seeding at start-up.</summary>
    public static WebApplicationBuilder AddFleetDatabase(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var providerName = builder.Configuration[$"{DatabaseOptions.Section}:Provider"] ?? "Sqlite";
        IDatabaseProvider provider = providerName.ToUpperInvariant() switch
        {
            "SQLITE" => new SqliteDatabaseProvider(),
            "POSTGRES" => new PostgresDatabaseProvider(),
            _ => throw new InvalidOperationException($"Database:Provider must be 'Sqlite' or 'Postgres', got '{providerName}'."),
        };
        var connectionString = builder.Configuration.GetConnectionString("Fleet");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            if (provider is not SqliteDatabaseProvider)
            {
                throw new InvalidOperationException("ConnectionStrings:Fleet is required when Database:Provider is Postgres.");
            }

            var dataFolder = Path.Combine(builder.Environment.ContentRootPath, "data");
            Directory.CreateDirectory(dataFolder);
            connectionString = $"Data Source={Path.Combine(dataFolder, "fleet.db")};Default Timeout=30";
        }

        builder.Services.AddFleetData(provider, connectionString);
        builder.Services.AddSingleton<DemoSeeder>();
        builder.Services.AddHostedService<DatabaseStartup>();
        return builder;
    }

    /// <summary>
    /// Business settings from configuration: <c>Fleet:Finance</c> (AssumedLoad, OverheadPerGpuHour, FiscalYearStartMonth),
    /// <c>Fleet:Procurement</c> (PriceTolerancePercent, QuantityTolerance) and <c>Fleet:Import</c> (MaxBytes, MaxRows).
    /// </summary>
    public static WebApplicationBuilder AddFleetSettings(this WebApplicationBuilder builder)
    {
        T Bind<T>(string section) where T : new() => builder.Configuration.GetSection(section).Get<T>() ?? new T();
        var finance = Bind<Fleet.Application.Finance.FinanceOptions>("Fleet:Finance");
        if (finance.AssumedLoad is <= 0 or > 1.5 || finance.FiscalYearStartMonth is < 1 or > 12 || finance.OverheadPerGpuHour < 0)
        {
            throw new InvalidOperationException(
                "Fleet:Finance is invalid: AssumedLoad must be in (0, 1.5], FiscalYearStartMonth 1–12, OverheadPerGpuHour not negative.");
        }

        builder.Services.AddSingleton(finance);
        builder.Services.AddSingleton(Bind<Fleet.Application.Procurement.ProcurementOptions>("Fleet:Procurement"));
        builder.Services.AddSingleton(Bind<Fleet.Application.Import.ImportOptions>("Fleet:Import"));
        builder.Services.AddSingleton(Bind<Fleet.Application.BurnIn.BurnInOptions>("Fleet:BurnIn"));
        builder.Services.AddSingleton(Bind<Fleet.Application.Inventory.InventoryOptions>("Fleet:Inventory"));
        builder.Services.AddSingleton<Fleet.Application.Inventory.ICursorProtector, Fleet.Web.Security.DataProtectionCursorProtector>();
        builder.Services.AddHostedService<BurnInLeaseSweeper>();
        builder.Services.AddHostedService<PlanQueueWorker>();
        return builder;
    }

    /// <summary>Cookie sign-in for people (ASP.NET Core Identity), bearer API tokens for agents, role policies.</summary>
    public static WebApplicationBuilder AddFleetSecurity(this WebApplicationBuilder builder)
    {
        const string smart = "CookieOrToken";
        builder.Services.AddOptions<BootstrapOptions>().BindConfiguration(BootstrapOptions.Section)
            .PostConfigure(o =>
            {
                // An empty value (docker-compose's default) means "not set".
                o.AdminToken = string.IsNullOrWhiteSpace(o.AdminToken) ? null : o.AdminToken;
                o.AdminEmail = string.IsNullOrWhiteSpace(o.AdminEmail) ? null : o.AdminEmail;
                o.AdminPassword = string.IsNullOrWhiteSpace(o.AdminPassword) ? null : o.AdminPassword;
            })
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddAuthentication(o =>
            {
                o.DefaultScheme = smart;
                o.DefaultChallengeScheme = smart;
            })
            .AddPolicyScheme(smart, "Cookie or bearer token", o => o.ForwardDefaultSelector = ctx =>
                ctx.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? ApiTokenAuthenticationHandler.SchemeName
                    : IdentityConstants.ApplicationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null)
            .AddIdentityCookies(cookies => cookies.ApplicationCookie?.Configure(o =>
            {
                o.LoginPath = "/login";
                o.AccessDeniedPath = "/denied";
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Events.OnRedirectToLogin = ctx => ApiAware(ctx, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = ctx => ApiAware(ctx, StatusCodes.Status403Forbidden);
                o.Events.OnSigningOut = EndSessionAsync;
            }));
        builder.Services.AddIdentityCore<FleetUser>(o =>
            {
                o.Password.RequiredLength = 10;
                o.User.RequireUniqueEmail = true;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<FleetDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders()
            .AddClaimsPrincipalFactory<FleetClaimsPrincipalFactory>();

        // Every request re-reads the user: a rotated stamp (sign-out, role change, disabling) refuses the old cookie at once.
        builder.Services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.Zero);
        builder.Services.AddAntiforgery(o => o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);
        builder.AddFleetDataProtection();
        builder.Services.AddFleetSignInRateLimit();
        builder.Services.AddAuthorization(Policies.Add);
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddScoped<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider, RevalidatingUserState>();
        builder.Services.AddScoped<ApiTokens>();
        builder.Services.AddScoped<UserAdministration>();
        builder.Services.AddScoped<FleetSignIn>();
        builder.Services.AddSingleton<DemoMode>();
        return builder;
    }

    /// <summary>Signing out rotates the security stamp, so a copy of the cookie is refused too.</summary>
    private static async Task EndSessionAsync(Microsoft.AspNetCore.Authentication.Cookies.CookieSigningOutContext ctx)
    {
        var users = ctx.HttpContext.RequestServices.GetRequiredService<UserManager<FleetUser>>();
        if (ctx.HttpContext.User.Identity?.AuthenticationType == IdentityConstants.ApplicationScheme &&
            await users.GetUserAsync(ctx.HttpContext.User) is { } user)
        {
            await users.UpdateSecurityStampAsync(user);
        }
    }

    private static Task ApiAware(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> ctx, int status)
    {
        if (ctx.Request.Path.StartsWithSegments("/api"))
        {
            ctx.Response.StatusCode = status;
            return Task.CompletedTask;
        }

        // Relative, so the Host header is never reflected into a redirect.
        var target = new Uri(ctx.RedirectUri, UriKind.RelativeOrAbsolute);
        ctx.Response.Redirect(target.IsAbsoluteUri ? target.PathAndQuery : ctx.RedirectUri);
        return Task.CompletedTask;
    }

    /// <summary>Blazor Server with MudBlazor, the HTTP API's JSON, problem details and OpenAPI.</summary>
    public static WebApplicationBuilder AddFleetWeb(this WebApplicationBuilder builder)
    {
        // Serves the framework's and MudBlazor's assets from a build output in every environment (the framework only
        // does it in Development); a published app has no runtime manifest and this is a no-op there.
        builder.WebHost.UseStaticWebAssets();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        builder.Services.AddScoped<Fleet.Web.Components.Shared.LiveAnnouncer>();
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<DomainExceptionHandler>();
        // Malformed JSON and unbindable parameters reach DomainExceptionHandler in every environment, so the 400 says what was wrong.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        builder.Services.AddOpenApi();
        return builder;
    }

    /// <summary>The request pipeline and every endpoint.</summary>
    public static WebApplication UseFleet(this WebApplication app)
    {
        app.UseFleetSecurityHeaders();
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
        }

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRequestBodyLimits();
        app.UseStaticFiles();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseFleetSameOriginApiWrites();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapOpenApi();
        app.MapSystemEndpoints();
        app.MapGroup("").WithInputGuard().MapAdminApi();
        app.MapGroup("/api").WithInputGuard().MapGpuApi();
        app.MapGroup("/api").WithInputGuard().MapProcurementApi().MapRmaApi().MapReportApi().MapProfileValidationApi();
        app.MapGroup("/api").WithInputGuard().MapBurnInApi();
        app.MapGroup("/api").WithInputGuard().MapPlanApi();
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
