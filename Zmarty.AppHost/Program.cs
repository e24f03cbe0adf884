using Zmarty.AppHost.Hosting;
using Zmarty.AppHost.Model;

// The whole local system, declared the way a .NET Aspire AppHost declares it. Run it with
// `dotnet run --project Zmarty.AppHost` (or `./zmarty up`, which installs what is missing first);
// `env` and `token EMAIL` read the same model. README.md "What runs where" explains each line.
var builder = DistributedApplication.CreateBuilder(args);
AppModel.AddResources(builder);
return await builder.Build().RunAsync();

internal static class AppModel
{
    /// <summary>The emulators take any key; a real key is a secret set outside (docs/env.md).</summary>
    private const string EmulatorKey = "emulator-key";

    /// <summary>Every resource, its port, what it references and waits for; the testing builder declares the same.</summary>
    internal static void AddResources(DistributedApplicationBuilder builder)
    {
        // Aspire's ports: the pages, OTLP/gRPC, OTLP/HTTP. Every service below sends its telemetry there.
        builder.AddDashboard(port: 18888, otlpGrpcPort: 18889, otlpHttpPort: 18890);

        var databasePassword = builder.AddSecret("database-password", Generated.Hex(bytes: 24));
        var jwtSecret = builder.AddSecret("jwt-secret", Generated.Base64(bytes: 48));
        var jwtIssuer = builder.AddParameter("jwt-issuer", DevTokens.LocalIssuer);
        var webhookSecret = builder.AddSecret("webhook-secret", Generated.WebhookSecret());
        var adminPassword = builder.AddSecret("admin-password", Generated.Password(length: 20));

        var chat = builder.AddPostgres("supabase-a", port: 55432, databasePassword)
            .WithSupabaseEmulation("supabase/local")
            .AddDatabase("chat")
            .WithMigrations("supabase/chat/migrations");

        var trading = builder.AddPostgres("supabase-b", port: 55433, databasePassword)
            .WithSupabaseEmulation("supabase/local")
            .WithPgCron()
            .AddDatabase("trading")
            .WithMigrations("supabase/trading/migrations");

        builder.AddDevTokens(users: chat, signingSecret: jwtSecret, issuer: jwtIssuer);

        var emulators = builder.AddProject("emulators", "Zmarty.Emulators", port: 5300);

        // Each service connects as its own least-privilege role (the migrations' service_roles.sql).
        var api = builder.AddProject("api", "Zmarty.Api", port: 5100)
            .WithReference(chat, role: "zmarty_api").WaitFor(chat)
            .WithReference(trading, role: "zmarty_api").WaitFor(trading)
            .WithReference(emulators).WaitFor(emulators)
            .WithEnvironment("Supabase__JwtSecret", jwtSecret)
            .WithEnvironment("Supabase__JwtIssuer", jwtIssuer)
            .WithEnvironment("Webhooks__Secret", webhookSecret);

        builder.AddProject("worker", "Zmarty.Worker", port: 5400)
            .WithReference(chat, role: "zmarty_worker").WaitFor(chat)
            .WithReference(trading, role: "zmarty_worker").WaitFor(trading)
            .WithReference(emulators).WaitFor(emulators)
            .WithReference(api)
            .WithEnvironment("Webhooks__Secret", webhookSecret)
            .WithEnvironment("Cryptometer__BaseUrl", emulators.GetEndpoint("/cryptometer/"))
            .WithEnvironment("Cryptometer__ApiKey", EmulatorKey)
            .WithEnvironment("KingFisher__BaseUrl", emulators.GetEndpoint("/kingfisher/"))
            .WithEnvironment("KingFisher__ApiKey", EmulatorKey);

        builder.AddProject("admin", "Zmarty.AdminUi", port: 5200)
            .WithReference(chat, role: "zmarty_admin").WaitFor(chat)
            .WithReference(trading, role: "zmarty_admin").WaitFor(trading)
            .WithEnvironment("Admin__Password", adminPassword);
    }
}
