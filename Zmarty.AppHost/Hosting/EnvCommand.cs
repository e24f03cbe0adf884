using Npgsql;
using Zmarty.AppHost.Postgres;

namespace Zmarty.AppHost.Hosting;

/// <summary><c>./zmarty env</c>: every endpoint and local secret as <c>export NAME=value</c> lines.</summary>
internal static class EnvCommand
{
    public static int Run(AppHostOptions options)
    {
        var secrets = LocalSecrets.TryLoad(options.DataDirectory)
            ?? throw new AppHostException($"No local secrets in {options.DataDirectory} yet: run ./zmarty up once first.");

        Export("ZMARTY_API_URL", $"http://127.0.0.1:{options.Ports[ResourceNames.Api]}");
        Export("ZMARTY_ADMIN_URL", $"http://127.0.0.1:{options.Ports[ResourceNames.AdminUi]}");
        Export("ZMARTY_EMULATORS_URL", $"http://127.0.0.1:{options.Ports[ResourceNames.Emulators]}");
        Export("ZMARTY_CHAT_DB", DatabaseUri(options, ResourceNames.ChatConnection, ResourceNames.SupabaseA, secrets));
        Export("ZMARTY_TRADING_DB", DatabaseUri(options, ResourceNames.TradingConnection, ResourceNames.SupabaseB, secrets));
        Export("ZMARTY_JWT_SECRET", secrets.JwtSecret);
        Export("ZMARTY_WEBHOOK_SECRET", secrets.WebhookSecret);
        Export("ZMARTY_ADMIN_PASSWORD", secrets.AdminPassword);
        return 0;
    }

    private static string DatabaseUri(AppHostOptions options, string connection, string resource, LocalSecrets secrets)
    {
        if (!options.ExternalConnectionStrings.TryGetValue(connection, out var external))
        {
            return PostgresServer.LocalUri(options.Ports[resource], secrets.DatabasePassword);
        }

        var builder = new NpgsqlConnectionStringBuilder(external);
        return $"postgresql://{Uri.EscapeDataString(builder.Username ?? "postgres")}:{Uri.EscapeDataString(builder.Password ?? "")}" +
            $"@{builder.Host}:{builder.Port}/{builder.Database ?? "postgres"}";
    }

    private static void Export(string name, string value) =>
        Console.WriteLine($"export {name}='{value.Replace("'", "'\\''", StringComparison.Ordinal)}'");
}
