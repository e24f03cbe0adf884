using Zmarty.Api.Browser;
using Zmarty.Api.Extensions;
using Zmarty.Api.Health;
using Zmarty.Api.Telemetry;
using Zmarty.Api.Webhooks;
using Zmarty.Migrations;

// A deploy's step before the services roll (Render's pre-deploy command, the Kubernetes init containers): it needs
// none of the Api's settings, so it runs before they are read.
if (MigrateProgram.Arguments(args) is { } migrateArgs)
{
    return await MigrateProgram.RunAsync(migrateArgs);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

if (ReconcileCommand.Handles(args))
{
    return await ReconcileCommand.RunAsync(app.Services, args, Console.Out);
}

RequestTiming.UseRequestTiming(app);
app.UseExceptionHandler();
app.UseStatusCodePages();
// Before authentication: a preflight carries no token and must still get its answer.
app.UseCors(BrowserAccess.PolicyName);
app.UseAuthentication();
app.UseAuthorization();

app.MapApplicationEndpoints();
app.MapWebhooksApi();
app.MapHealthz();
app.MapDefaultEndpoints();

await app.RunAsync();
return 0;
