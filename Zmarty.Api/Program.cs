using Zmarty.Api.Extensions;
using Zmarty.Api.Telemetry;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

RequestTiming.UseRequestTiming(app);
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();

app.MapApplicationEndpoints();
app.MapDefaultEndpoints();

app.Run();
