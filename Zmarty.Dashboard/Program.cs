using Zmarty.Dashboard.Auth;
using Zmarty.Dashboard.Components;
using Zmarty.Dashboard.Extensions;
using Zmarty.Dashboard.Telemetry;

var builder = WebApplication.CreateBuilder(args);

builder.AddDashboardServices();

var app = builder.Build();

app.UseExceptionHandler("/Error", createScopeForErrors: true);
app.UseOtlpPortsForOtlpOnly();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapStaticAssets().AllowAnonymous();
app.MapRazorComponents<App>()
    .AddInteractiveServerRenderMode();
app.MapBrowserLogin();
app.MapOtlpReceivers();
app.MapTelemetryApi();
app.MapDefaultEndpoints();

app.Run();
