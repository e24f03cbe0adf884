using Npgsql;
using Zmarty.AppHost.Model;

namespace Zmarty.AppHost.Hosting;

/// <summary><c>./zmarty token EMAIL</c>: a dev user in the running local users database, and a 24-hour JWT for it.</summary>
internal static class TokenCommand
{
    public static async Task<int> RunAsync(DistributedApplication app, string? email)
    {
        if (string.IsNullOrWhiteSpace(email) || !email.Contains('@', StringComparison.Ordinal))
        {
            throw new AppHostException("Usage: ./zmarty token EMAIL (an address such as dev@example.com).");
        }

        var tokens = app.Model.OfType<DevTokensResource>().SingleOrDefault()
            ?? throw new AppHostException("The app model declares no dev tokens (AddDevTokens).");
        var secrets = LocalSecrets.TryLoad(app.Options.DataDirectory)
            ?? throw new AppHostException($"No local secrets in {app.Options.DataDirectory} yet: run ./zmarty up first.");

        Guid userId;
        try
        {
            userId = await DevTokens.EnsureUserAsync(app.ConnectionString(tokens.Users, secrets), email);
        }
        catch (NpgsqlException ex) when (ex is not PostgresException)
        {
            throw new AppHostException(
                $"Cannot reach {tokens.Users.Server.Name} ({ex.Message}). Start it with ./zmarty up in another terminal.", ex);
        }

        Console.WriteLine(DevTokens.CreateAccessToken(
            secrets.ValueOf(tokens.SigningSecret), userId, email, DateTimeOffset.UtcNow, TimeSpan.FromHours(24), secrets.ValueOf(tokens.Issuer)));
        return 0;
    }
}
