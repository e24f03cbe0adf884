using Zmarty.Api.Extensions;
using Zmarty.Api.Health;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapHealthz();
app.MapDefaultEndpoints();

app.Run();
