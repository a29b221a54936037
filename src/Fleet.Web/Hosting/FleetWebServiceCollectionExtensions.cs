using System.Text.Json.Serialization;
using Fleet.Application;
using Fleet.Data;
using Fleet.Data.Identity;
using Fleet.Data.Seeding;
using Fleet.Web.Api;
using Fleet.Web.Components;
using Fleet.Web.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using Scalar.AspNetCore;

namespace Fleet.Web.Hosting;

public static class FleetWebServiceCollectionExtensions
{
    /// <summary>The store named by <c>Database:Provider</c>, its connection string, migrations and seeding at start-up.</summary>
    public static WebApplicationBuilder AddFleetDatabase(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section)
            .PostConfigure<IConfiguration, IHostEnvironment>((o, configuration, environment) =>
            {
                var configured = configuration.GetConnectionString("Fleet");
                o.ConnectionStringIsDefault = string.IsNullOrWhiteSpace(configured) && o.IsSqlite;
                o.ConnectionString = o.ConnectionStringIsDefault ? DefaultSqliteConnectionString(environment) : configured ?? "";
            })
            .ValidateDataAnnotations()
            .Validate(o => !o.IsPostgres || !string.IsNullOrWhiteSpace(o.ConnectionString),
                "ConnectionStrings:Fleet is required when Database:Provider is Postgres.")
            .ValidateOnStart();
        builder.Services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddFleetData(
            sp => sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.CreateProvider(),
            sp => sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString);
        builder.Services.AddSingleton<DemoSeeder>();
        builder.Services.AddHostedService<DatabaseStartup>();
        return builder;
    }

    /// <summary>The embedded store's file, <c>data/fleet.db</c> under the content root.</summary>
    private static string DefaultSqliteConnectionString(IHostEnvironment environment)
    {
        var dataFolder = Path.Combine(environment.ContentRootPath, "data");
        Directory.CreateDirectory(dataFolder);
        return new SqliteConnectionStringBuilder { DataSource = Path.Combine(dataFolder, "fleet.db"), DefaultTimeout = 30 }.ToString();
    }

    /// <summary>
    /// Business settings from configuration: <c>Fleet:Finance</c> (AssumedLoad, OverheadPerGpuHour, FiscalYearStartMonth),
    /// <c>Fleet:Procurement</c> (PriceTolerancePercent, QuantityTolerance) and <c>Fleet:Import</c> (MaxBytes, MaxRows).
    /// </summary>
    public static WebApplicationBuilder AddFleetSettings(this WebApplicationBuilder builder)
    {
        Settings<Fleet.Application.Finance.FinanceOptions>(builder, "Fleet:Finance", o => o
            .Validate(f => f.AssumedLoad is > 0 and <= 1.5, "Fleet:Finance:AssumedLoad must be in (0, 1.5].")
            .Validate(f => f.FiscalYearStartMonth is >= 1 and <= 12, "Fleet:Finance:FiscalYearStartMonth must be 1 to 12.")
            .Validate(f => f.OverheadPerGpuHour >= 0, "Fleet:Finance:OverheadPerGpuHour must not be negative."));
        Settings<Fleet.Application.Procurement.ProcurementOptions>(builder, "Fleet:Procurement", o => o
            .Validate(p => p.PriceTolerancePercent >= 0, "Fleet:Procurement:PriceTolerancePercent must not be negative.")
            .Validate(p => p.QuantityTolerance >= 0, "Fleet:Procurement:QuantityTolerance must not be negative.")
            .Validate(p => p.MaxSerialsPerDelivery > 0, "Fleet:Procurement:MaxSerialsPerDelivery must be positive."));
        Settings<Fleet.Application.Import.ImportOptions>(builder, "Fleet:Import", o => o
            .Validate(i => i.MaxBytes > 0, "Fleet:Import:MaxBytes must be positive.")
            .Validate(i => i.MaxRows > 0, "Fleet:Import:MaxRows must be positive.")
            .Validate(i => i.MaxErrors > 0, "Fleet:Import:MaxErrors must be positive.")
            .Validate(i => i.MaxHeaderBytes > 0, "Fleet:Import:MaxHeaderBytes must be positive.")
            .Validate(i => i.MaxColumns > 0, "Fleet:Import:MaxColumns must be positive."));
        Settings<Fleet.Application.BurnIn.BurnInOptions>(builder, "Fleet:BurnIn", o => o
            .Validate(b => b.LeaseSeconds > 0, "Fleet:BurnIn:LeaseSeconds must be positive.")
            .Validate(b => b.SweepSeconds > 0, "Fleet:BurnIn:SweepSeconds must be positive.")
            .Validate(b => b.MaxResultBytes > 0, "Fleet:BurnIn:MaxResultBytes must be positive.")
            .Validate(b => b.ClockSkewSeconds >= 0, "Fleet:BurnIn:ClockSkewSeconds must not be negative."));
        Settings<Fleet.Application.Inventory.InventoryOptions>(builder, "Fleet:Inventory", o => o
            .Validate(i => i.ExactCountLimit >= 0, "Fleet:Inventory:ExactCountLimit must not be negative."));
        builder.Services.AddSingleton<Fleet.Application.Inventory.ICursorProtector, Fleet.Web.Security.DataProtectionCursorProtector>();
        builder.Services.AddHostedService<BurnInLeaseSweeper>();
        builder.Services.AddHostedService<PlanQueueWorker>();

        builder.Services.AddOptions<Fleet.Web.Components.Shared.MoneyOptions>().BindConfiguration(Fleet.Web.Components.Shared.MoneyOptions.Section)
            .Validate(m => KnownCulture(m.Culture),
                "Fleet:Money:Culture is not a culture this build knows (it runs with invariant globalization: leave it empty and set Fleet:Money:DecimalSeparator/GroupSeparator).")
            .Validate(m => m.Currencies.Values.All(c => c.Decimals is null or (>= 0 and <= 6)), "Fleet:Money:Currencies:*:Decimals must be 0 to 6.")
            .ValidateOnStart();
        builder.Services.AddSingleton(sp => new Fleet.Web.Components.Shared.Money(sp.GetRequiredService<IOptions<Fleet.Web.Components.Shared.MoneyOptions>>().Value));
        return builder;
    }

    /// <summary>
    /// Binds <typeparamref name="T"/> to <paramref name="section"/>, validated at start-up, and registers its value for the
    /// use cases: it replaces <c>AddFleetApplication</c>'s default whichever of the two is called first.
    /// </summary>
    private static void Settings<T>(WebApplicationBuilder builder, string section, Func<OptionsBuilder<T>, OptionsBuilder<T>> validate)
        where T : class
    {
        validate(builder.Services.AddOptions<T>().BindConfiguration(section)).ValidateOnStart();
        builder.Services.Replace(ServiceDescriptor.Singleton(sp => sp.GetRequiredService<IOptions<T>>().Value));
    }

    private static bool KnownCulture(string? culture)
    {
        if (string.IsNullOrWhiteSpace(culture))
        {
            return true;
        }

        try
        {
            _ = System.Globalization.CultureInfo.GetCultureInfo(culture);
            return true;
        }
        catch (System.Globalization.CultureNotFoundException)
        {
            return false;
        }
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
        builder.Services.AddFleetDailyWork();
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
        app.UseFleetStatusCodePages();
        app.UseRequestBodyLimits();
        app.UseStaticFiles();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseFleetSameOriginApiWrites();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapOpenApi();
        // The interactive reference over the same document, with the same (anonymous) access: /scalar.
        app.MapScalarApiReference();
        app.MapSystemEndpoints();
        app.MapGroup("").WithInputGuard().MapAdminApi();
        app.MapGroup("/api").WithInputGuard().MapGpuApi();
        app.MapGroup("/api").WithInputGuard().MapGpuBulkApi();
        app.MapGroup("/api").WithInputGuard().MapProcurementApi().MapRmaApi().MapReportApi().MapProfileValidationApi();
        app.MapGroup("/api").WithInputGuard().MapBurnInApi();
        app.MapGroup("/api").WithInputGuard().MapPlanApi();

        app.MapGroup("/api").WithInputGuard().MapDailyWorkApi();

        app.MapGroup("/api").WithInputGuard().MapSearchApi();
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
