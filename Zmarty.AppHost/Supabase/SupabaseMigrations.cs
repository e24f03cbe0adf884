using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Zmarty.Migrations;

namespace Zmarty.AppHost.Supabase;

/// <summary>
/// A database whose migration failed: the message (file, line, SQLSTATE) for whoever waits on the start, since the
/// failure happens in the database's ready event, which nothing awaits once the application has started.
/// </summary>
public sealed record MigrationFailedAnnotation(string Message) : IResourceAnnotation
{
    /// <summary>The state the database shows then.</summary>
    public const string State = "Migration failed";
}

/// <summary>
/// Brings a local Supabase database up to date whenever it becomes ready (the first start and every
/// restart): the Supabase emulation, the project's migrations, then the service roles' logins.
/// </summary>
internal static partial class SupabaseMigrations
{
    public static async Task ApplyAsync(ResourceReadyEvent @event, CancellationToken cancellationToken)
    {
        var database = (IResourceWithConnectionString)@event.Resource;
        var supabase = database.Annotations.OfType<SupabaseDatabaseAnnotation>().Single();
        var logger = @event.Services.GetRequiredService<ResourceLoggerService>().GetLogger(database);
        var connectionString = await database.GetConnectionStringAsync(cancellationToken)
            ?? throw new InvalidOperationException($"{database.Name} is ready but has no connection string.");
        try
        {
            var result = await MigrationRunner.ApplyAsync(
                connectionString, supabase.ServerName, supabase.Folders, supabase.RepositoryRoot, cancellationToken);
            foreach (var file in result.Applied)
            {
                LogApplied(logger, file);
            }

            LogMigrated(logger, result.Applied.Count, result.AlreadyApplied);
            var serverPassword = await supabase.Password.GetValueAsync(cancellationToken) ?? "";
            // Only the roles of the projects the model still has (a test may have removed some).
            var roles = @event.Services.GetRequiredService<DistributedApplicationModel>().Resources
                .SelectMany(r => r.Annotations.OfType<ServiceRoleAnnotation>())
                .Where(a => a.Database == database)
                .Select(a => a.Role)
                .Distinct(StringComparer.Ordinal);
            foreach (var role in roles)
            {
                var rolePassword = SupabaseExtensions.RolePassword.Derive(serverPassword, role);
                await ServiceRoleLogins.EnableAsync(connectionString, role, rolePassword, cancellationToken);
            }
        }
        catch (MigrationException ex)
        {
            LogFailed(logger, ex.Message);
            database.Annotations.Add(new MigrationFailedAnnotation(ex.Message));
            await @event.Services.GetRequiredService<ResourceNotificationService>().PublishUpdateAsync(database, s => s with
            {
                State = new ResourceStateSnapshot(MigrationFailedAnnotation.State, KnownResourceStateStyles.Error),
            });
            throw new AppHostException(ex.Message, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "applied {File}")]
    private static partial void LogApplied(ILogger logger, string file);

    [LoggerMessage(Level = LogLevel.Information, Message = "migrated: {Applied} file(s) applied now, {AlreadyApplied} applied before")]
    private static partial void LogMigrated(ILogger logger, int applied, int alreadyApplied);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Message}")]
    private static partial void LogFailed(ILogger logger, string message);
}
