using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Zmarty.AppHost.Commands;

/// <summary>Dev users and their tokens: <c>./zmarty token EMAIL</c>, and the Api's "Mint a dev token" in the dashboard.</summary>
internal static partial class DevTokenCommands
{
    private const string DefaultEmail = "dev@example.com";

    /// <summary>Users are made in <paramref name="users"/>' <c>auth.users</c>; tokens are signed as Supabase Auth would.</summary>
    public static IResourceBuilder<ProjectResource> WithDevTokenCommand(
        this IResourceBuilder<ProjectResource> api, IResourceBuilder<IResourceWithConnectionString> users,
        IResourceBuilder<ParameterResource> signingSecret, IResourceBuilder<ParameterResource> issuer)
    {
        var minter = new DevTokenAnnotation(users.Resource, signingSecret.Resource, issuer.Resource);
        return api.WithAnnotation(minter).WithCommand("dev-token", "Mint a dev token", async context =>
        {
            var logger = context.Services.GetRequiredService<ResourceLoggerService>().GetLogger(context.ResourceName);
            try
            {
                var token = await minter.MintAsync(DefaultEmail, context.CancellationToken);
                LogMinted(logger, DefaultEmail, token);
                return CommandResults.Success();
            }
            catch (NpgsqlException ex)
            {
                return CommandResults.Failure(ex);
            }
        }, new CommandOptions
        {
            Description = $"Makes {DefaultEmail} in Supabase A and writes a 24-hour token for it to this log " +
                "(./zmarty token EMAIL for others).",
            IconName = "Key",
        });
    }

    public static async Task<int> RunAsync(
        DistributedApplicationModel model, Microsoft.Extensions.Configuration.IConfiguration configuration, string? email)
    {
        if (string.IsNullOrWhiteSpace(email) || !email.Contains('@', StringComparison.Ordinal))
        {
            throw new AppHostException("Usage: ./zmarty token EMAIL (an address such as dev@example.com).");
        }

        KeptSecrets.Require(model, configuration);
        var minter = model.Resources.SelectMany(r => r.Annotations.OfType<DevTokenAnnotation>()).Single();
        try
        {
            Console.WriteLine(await minter.MintAsync(email, CancellationToken.None));
        }
        catch (NpgsqlException ex) when (ex is not PostgresException)
        {
            throw new AppHostException(
                $"Cannot reach {minter.Users.Name} ({ex.Message}). Start it with ./zmarty up in another terminal.", ex);
        }

        return 0;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "dev token for {Email} (24 hours): {Token}")]
    private static partial void LogMinted(ILogger logger, string email, string token);
}

internal sealed class DevTokenAnnotation(IResourceWithConnectionString users, ParameterResource signingSecret, ParameterResource issuer)
    : IResourceAnnotation
{
    public IResourceWithConnectionString Users { get; } = users;

    public async Task<string> MintAsync(string email, CancellationToken cancellationToken)
    {
        var connectionString = await Users.GetConnectionStringAsync(cancellationToken)
            ?? throw new AppHostException($"{Users.Name} has no connection string.");
        var userId = await DevTokens.EnsureUserAsync(connectionString, email, cancellationToken);
        return DevTokens.CreateAccessToken(
            await signingSecret.GetValueAsync(cancellationToken) ?? "", userId, email, DateTimeOffset.UtcNow, TimeSpan.FromHours(24),
            await issuer.GetValueAsync(cancellationToken) ?? DevTokens.LocalIssuer);
    }
}
