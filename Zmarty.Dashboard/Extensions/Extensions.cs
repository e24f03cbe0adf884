using Microsoft.FluentUI.AspNetCore.Components;
using Zmarty.Dashboard.Auth;
using Zmarty.Dashboard.Resources;
using Zmarty.Dashboard.Telemetry;

namespace Zmarty.Dashboard.Extensions;

internal static class Extensions
{
    public static void AddDashboardServices(this WebApplicationBuilder builder)
    {
        // The dashboard is where telemetry goes; it does not export its own (it would feed itself).
        builder.AddDefaultHealthChecks();
        builder.Services.AddRazorComponents()
            .AddInteractiveServerComponents();
        builder.Services.AddFluentUIComponents();

        builder.Services.AddValidatedOptions<DashboardOptions, DashboardOptionsValidator>(DashboardOptions.Section);

        builder.AddBrowserLogin();
        builder.AddTelemetry();
        builder.AddResourceWatcher();
    }
}
