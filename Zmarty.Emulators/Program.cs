using Zmarty.Emulators.Control;
using Zmarty.Emulators.Hosting;
using Zmarty.Emulators.Llm;
using Zmarty.Emulators.Market;
using Zmarty.Emulators.SupabaseAuth;
using Zmarty.Emulators.Voice;

var builder = WebApplication.CreateBuilder(args);

// The emulators hand out every user's prompts and install signing keys on request: a development
// tool only, answering loopback host names only (appsettings.json: AllowedHosts), so a web page
// cannot reach them by DNS rebinding, and listening on loopback only unless told where (ListenAddresses).
if (!builder.Environment.IsDevelopment())
{
    Console.Error.WriteLine(
        $"Zmarty.Emulators runs in Development only (this is {builder.Environment.EnvironmentName}): they are local stand-ins for tests.");
    return 1;
}

var (urls, addressError) = ListenAddresses.Resolve(builder.Configuration);
if (addressError is not null)
{
    Console.Error.WriteLine(addressError);
    return 1;
}

builder.WebHost.UseUrls([.. urls]);
builder.AddServiceDefaults();
builder.Services.AddSingleton<EmulatorState>();
builder.Services.AddSingleton<JwksState>();

var app = builder.Build();

app.MapControlApi();
app.MapChatCompletionsApi();
app.MapTextToSpeechApi();
app.MapSupabaseJwksApi();
app.MapDefaultEndpoints();
app.MapMarketEmulators();

app.Run();
return 0;
