using Zmarty.Api.Browser;
using Zmarty.Api.Extensions;
using Zmarty.Api.Health;
using Zmarty.Api.Telemetry;
using Zmarty.Api.Webhooks;

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
