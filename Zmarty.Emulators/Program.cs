using Zmarty.Emulators.Control;
using Zmarty.Emulators.Llm;
using Zmarty.Emulators.Market;
using Zmarty.Emulators.SupabaseAuth;
using Zmarty.Emulators.Voice;

var builder = WebApplication.CreateBuilder(args);

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
