using Npgsql;
using Zmarty.AppHost.Postgres;

namespace Zmarty.AppHost.Hosting;

/// <summary><c>./zmarty token EMAIL</c>: a dev user in the running local Supabase A, and a 24-hour JWT for it.</summary>
internal static class TokenCommand
{
    public static async Task<int> RunAsync(AppHostOptions options, string? email)
    {
        if (string.IsNullOrWhiteSpace(email) || !email.Contains('@', StringComparison.Ordinal))
        {
            throw new AppHostException("Usage: ./zmarty token EMAIL (an address such as dev@example.com).");
        }

        var secrets = LocalSecrets.TryLoad(options.DataDirectory)
            ?? throw new AppHostException($"No local secrets in {options.DataDirectory} yet: run ./zmarty up first.");
        var chat = options.ExternalConnectionStrings.GetValueOrDefault(ResourceNames.ChatConnection)
            ?? PostgresServer.LocalConnectionString(options.Ports[ResourceNames.SupabaseA], secrets.DatabasePassword);

        Guid userId;
        try
        {
            userId = await DevTokens.EnsureUserAsync(chat, email);
        }
        catch (NpgsqlException ex) when (ex is not PostgresException)
        {
            throw new AppHostException($"Cannot reach Supabase A ({ex.Message}). Start it with ./zmarty up in another terminal.", ex);
        }

        Console.WriteLine(DevTokens.CreateAccessToken(secrets.JwtSecret, userId, email, DateTimeOffset.UtcNow, TimeSpan.FromHours(24)));
        return 0;
    }
}
