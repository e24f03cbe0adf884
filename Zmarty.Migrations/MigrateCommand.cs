using Microsoft.Extensions.Logging;
using Npgsql;

namespace Zmarty.Migrations;

/// <summary>
/// The migrate verb's work, for each project given (A before B): wait for its server, apply what is new, give the
/// service roles their logins.
/// </summary>
public static class MigrateCommand
{
    public static async Task RunAsync(MigrateOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        foreach (var project in SupabaseLayout.Projects)
        {
            if (options.ConnectionStrings.GetValueOrDefault(project) is { Length: > 0 } connectionString)
            {
                await MigrateAsync(options, project, connectionString, logger, cancellationToken);
            }
        }
    }

    private static async Task MigrateAsync(
        MigrateOptions options, string project, string connectionString, ILogger logger, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnectionStringBuilder(connectionString);
        // Npgsql 10 tries Kerberos encryption first, which Supabase does not offer and the image cannot load
        // (as the services' AddSupabaseDataSource does: a connection string that names the mode keeps it).
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!given.ContainsKey("Gss Encryption Mode") && !given.ContainsKey("GssEncryptionMode"))
        {
            connection.GssEncryptionMode = GssEncryptionMode.Disable;
            connectionString = connection.ConnectionString;
        }

        // The project's name first: a pooler's host is the same for both projects.
        var database = $"{project} ({connection.Host}:{connection.Port}/{connection.Database})";
        await WaitForServerAsync(connectionString, options.WaitSeconds, database, logger, cancellationToken);

        var result = await MigrationRunner.ApplyAsync(
            connectionString, database, SupabaseLayout.Folders(options.Root, SupabaseLayout.MigrationsOf(project), options.Emulation),
            options.Root, cancellationToken, TimeSpan.FromSeconds(options.LockWaitSeconds));
        foreach (var file in result.Applied)
        {
            MigrateLog.Applied(logger, file);
        }

        foreach (var (role, password) in options.RolePasswords.Where(p => !string.IsNullOrWhiteSpace(p.Value)))
        {
            await ServiceRoleLogins.EnableAsync(connectionString, role, password, cancellationToken);
            MigrateLog.RoleLogin(logger, role);
        }

        MigrateLog.Migrated(logger, database, result.Applied.Count, result.AlreadyApplied);
    }

    /// <summary>A server that is starting refuses connections (or answers 57P03) for a few seconds; that is not a failure yet.</summary>
    private static async Task WaitForServerAsync(
        string connectionString, int waitSeconds, string database, ILogger logger, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(waitSeconds);
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(cancellationToken);
                return;
            }
            catch (Exception ex) when (IsStarting(ex) && DateTime.UtcNow < deadline)
            {
                MigrateLog.Waiting(logger, database, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                throw new MigrationException(
                    $"Cannot connect to {database}: {ex.Message}. Check Migrate:ConnectionStrings, and that the server is up.", ex);
            }
        }
    }

    private static bool IsStarting(Exception ex) =>
        ex is PostgresException { SqlState: PostgresErrorCodes.CannotConnectNow }
        || ex is NpgsqlException { InnerException: System.Net.Sockets.SocketException or IOException }
        || ex is TimeoutException;
}

internal static partial class MigrateLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "applied {File}")]
    public static partial void Applied(ILogger logger, string file);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Role} may log in")]
    public static partial void RoleLogin(ILogger logger, string role);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "{Database} migrated: {Applied} file(s) applied now, {AlreadyApplied} applied before")]
    public static partial void Migrated(ILogger logger, string database, int applied, int alreadyApplied);

    [LoggerMessage(Level = LogLevel.Information, Message = "waiting for {Database}: {Reason}")]
    public static partial void Waiting(ILogger logger, string database, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Message}")]
    public static partial void Failed(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "The settings are wrong: {Failures}")]
    public static partial void BadSettings(ILogger logger, string failures);
}
