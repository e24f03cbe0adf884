using Zmarty.Emulators.Market;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapMarketEmulators();

app.Run();
