using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.FluentUI.AspNetCore.Components;
using Npgsql;
using Zmarty.AdminUi.Auth;
using Zmarty.AdminUi.Data;
using Zmarty.AdminUi.Live;

namespace Zmarty.AdminUi.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents()
            .AddInteractiveServerComponents();
        builder.Services.AddFluentUIComponents();

        builder.Services.AddOptions<AdminOptions>()
            .BindConfiguration(AdminOptions.Section, binder => binder.ErrorOnUnknownConfiguration = true)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.AddAdminLogin();

        // Queues, cron runs, the error log and the trading tables live in B; the symbol outbox and
        // the credits ledger (the Pipeline page) in A.
        builder.AddSupabaseDataSource("trading");
        builder.AddSupabaseDataSource("chat");
        builder.Services.AddAdminData();
    }

    /// <summary>A cookie login for every page and action; only the login page, static files and health endpoints are open.</summary>
    private static void AddAdminLogin(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<LoginThrottle>();
        builder.Services.AddSingleton<TrustedDevices>();
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<AdminOptions>>((forwarded, admin) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // Only the proxies named in Admin: no defaults, so nobody else can choose the address the throttle sees.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in admin.Value.KnownProxies)
            {
                forwarded.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
            }

            foreach (var network in admin.Value.KnownNetworks)
            {
                forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        builder.Services.AddSingleton<AdminPassword>();
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie();
        builder.Services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<IOptions<AdminOptions>>((cookie, admin) =>
            {
                cookie.LoginPath = "/login";
                cookie.Cookie.Name = "zmarty-admin";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.Always;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                cookie.ExpireTimeSpan = admin.Value.SessionLifetime;
                cookie.SlidingExpiration = true;
                // Changing Admin__Password ends every session opened with the old one.
                cookie.Events.OnValidatePrincipal = context =>
                {
                    var stamp = context.HttpContext.RequestServices.GetRequiredService<AdminPassword>().Stamp;
                    if (context.Principal?.FindFirst(AdminPassword.StampClaim)?.Value != stamp)
                    {
                        context.RejectPrincipal();
                    }

                    return Task.CompletedTask;
                };
                cookie.Events.OnRedirectToLogin = CookieLoginEvents.RedirectPagesOnly;
            });
        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
    }

    /// <summary>
    /// The readers over the keyed <c>trading</c> and <c>chat</c> data sources and one shared poll per
    /// data source (the component tests register the same over their own databases).
    /// </summary>
    internal static void AddAdminData(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(new DepthHistory(keep: TimeSpan.FromHours(1)));
        services.AddSingleton(sp => new QueuesData(Trading(sp), sp.GetRequiredService<DepthHistory>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new CronData(Trading(sp), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new ErrorsData(Trading(sp)));
        services.AddSingleton(sp => new PipelineData(
            Trading(sp), sp.GetRequiredKeyedService<NpgsqlDataSource>("chat"), Admin(sp).StaleAfter,
            sp.GetRequiredService<TimeProvider>()));

        services.AddLivePoll<QueuesData, QueuesSnapshot>("queues", data => data.ReadAsync);
        services.AddLivePoll<CronData, CronSnapshot>("cron", data => data.ReadAsync);
        services.AddLivePoll<ErrorsData, ErrorsSnapshot>("errors", data => data.ReadAsync);
        services.AddLivePoll<PipelineData, PipelineSnapshot>("pipeline", data => data.ReadAsync);

        // The depth chart covers the last hour whether or not a page was open.
        services.AddHostedService<QueueHistoryRecorder>();
    }

    private static void AddLivePoll<TData, TSnapshot>(
        this IServiceCollection services, string name, Func<TData, Func<CancellationToken, Task<TSnapshot>>> read)
        where TData : notnull
        where TSnapshot : class =>
        services.AddSingleton(sp => new LivePoll<TSnapshot>(
            name,
            read(sp.GetRequiredService<TData>()),
            Admin(sp).PollInterval,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<LivePoll<TSnapshot>>>()));

    private static NpgsqlDataSource Trading(IServiceProvider services) =>
        services.GetRequiredKeyedService<NpgsqlDataSource>("trading");

    private static AdminOptions Admin(IServiceProvider services) =>
        services.GetRequiredService<IOptions<AdminOptions>>().Value;
}
