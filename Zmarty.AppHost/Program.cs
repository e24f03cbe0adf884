using Zmarty.AppHost.Commands;
using Zmarty.AppHost.Providers;
using Zmarty.AppHost.Supabase;
using Zmarty.AppHost.Workers;

// The whole local system as a .NET Aspire app model. `dotnet run --project Zmarty.AppHost` (or
// `./zmarty up`, which installs what is missing first) runs it with the Aspire dashboard;
// `./zmarty env|token|reconcile` read the same model without running it (Commands/).
// README.md "What runs where" explains each line.
var invocation = LocalCommands.Split(args);
ContainerEngine.UseRepositorySettings(AppHostAssembly.FindRepositoryRoot());
var builder = DistributedApplication.CreateBuilder(invocation.AspireArgs);

var databasePassword = builder.AddParameter("database-password", new GenerateParameterDefault { MinLength = 32, Special = false },
    secret: true, persist: true);
var jwtSecret = builder.AddParameter("jwt-secret", new GenerateParameterDefault { MinLength = 64, Special = false },
    secret: true, persist: true);
var jwtIssuer = builder.AddParameter("jwt-issuer", DevTokens.LocalIssuer);
var webhookSecret = builder.AddParameter("webhook-secret", new WebhookSecretDefault(), secret: true, persist: true);
var adminPassword = builder.AddParameter("admin-password", new GenerateParameterDefault { MinLength = 20, Special = false },
    secret: true, persist: true);

var chat = builder.AddSupabase("supabase-a", "chat", databasePassword, port: 55432, migrations: "supabase/chat/migrations");
var trading = builder.AddSupabase("supabase-b", "trading", databasePassword, port: 55433, migrations: "supabase/trading/migrations",
    pgCron: true);

var emulators = builder.AddProject<Projects.Zmarty_Emulators>("emulators")
    .WithHttpHealthCheck("/health");

// Each service connects as its own least-privilege role (the migrations' service_roles.sql).
var api = builder.AddProject<Projects.Zmarty_Api>("api")
    .WithHttpHealthCheck("/health")
    .WithServiceRole(chat, "zmarty_api").WaitFor(chat)
    .WithServiceRole(trading, "zmarty_api").WaitFor(trading)
    .WithReference(emulators).WaitFor(emulators)
    .WithEnvironment("Supabase__JwtSecret", jwtSecret)
    .WithEnvironment("Supabase__JwtIssuer", jwtIssuer)
    .WithEnvironment("Webhooks__Secret", webhookSecret)
    .WithDevTokenCommand(chat, jwtSecret, jwtIssuer)
    .WithReconcileCommands()
    .WithSettingsFrom(builder, "Chat")
    .WithSettingsFrom(builder, "Voice");

// A provider given a key here (environment or user secrets) is called for real; the others are emulated.
var worker = builder.AddProject<Projects.Zmarty_Worker>("worker")
    .WithHttpHealthCheck("/health")
    .WithServiceRole(chat, "zmarty_worker").WaitFor(chat)
    .WithServiceRole(trading, "zmarty_worker").WaitFor(trading)
    .WithReference(emulators).WaitFor(emulators)
    .WithReference(api)
    .WithEnvironment("Webhooks__Secret", webhookSecret)
    .WithConfiguredReplicas(builder);
foreach (var (section, path) in new[] { ("Cryptometer", "/cryptometer/"), ("KingFisher", "/kingfisher/") })
{
    if (!ProviderSettings.HasCredentials(builder.Configuration, section))
    {
        worker.WithEnvironment($"{section}__BaseUrl", EmulatorUrl(path)).WithEnvironment($"{section}__ApiKey", LocalCommands.EmulatorKey);
    }

    worker.WithSettingsFrom(builder, section);
}

builder.AddProject<Projects.Zmarty_AdminUi>("admin")
    .WithHttpHealthCheck("/health")
    .WithServiceRole(chat, "zmarty_admin").WaitFor(chat)
    .WithServiceRole(trading, "zmarty_admin").WaitFor(trading)
    .WithEnvironment("Admin__Password", adminPassword);

return await LocalCommands.RunAsync(invocation, builder);

ReferenceExpression EmulatorUrl(string path) => ReferenceExpression.Create($"{emulators.GetEndpoint("http")}{path}");
