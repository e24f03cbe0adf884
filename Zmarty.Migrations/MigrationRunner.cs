using System.Text.RegularExpressions;
using Npgsql;

namespace Zmarty.Migrations;

/// <summary>
/// Applies SQL files in name order, each in its own transaction, and records them in the table the
/// Supabase CLI keeps (<c>supabase_migrations.schema_migrations</c>), so a file is never applied twice
/// and a real project migrated with the CLI stays in step. One run at a time per database: several deploys
/// that start together (Render's pre-deploy command, Kubernetes init containers) wait for each other, and the
/// later ones find everything applied.
/// </summary>
public static partial class MigrationRunner
{
    /// <summary>A session advisory lock's key: "zmarty" in ASCII, so no other application's lock is likely to share it.</summary>
    private const long LockKey = 0x7A6D61727479;

    private static readonly TimeSpan s_lockPoll = TimeSpan.FromSeconds(1);

    private const string HistorySchemaSql = """
        create schema if not exists supabase_migrations;
        create table if not exists supabase_migrations.schema_migrations (
          version text primary key,
          statements text[],
          name text
        );
        """;

    /// <summary>
    /// A folder of SQL files, the prefix that keeps its versions apart in the history table, and a script of checks
    /// (<paramref name="Requirements"/>) that runs before any of its files, so a server that lacks what they need is
    /// refused before anything is applied rather than halfway through.
    /// </summary>
    public sealed record Folder(string Path, string VersionPrefix = "", string? Requirements = null);

    public sealed record Result(IReadOnlyList<string> Applied, int AlreadyApplied);

    public static async Task<Result> ApplyAsync(
        string connectionString, string database, IEnumerable<Folder> folders, string repositoryRoot,
        CancellationToken cancellationToken, TimeSpan? lockWait = null)
    {
        // Not pooled: the lock below is the session's, and a pooled connection's session outlives its closing.
        var unpooled = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(unpooled);
        await connection.OpenAsync(cancellationToken);
        // Held until the connection closes: a run that dies mid-way frees it with its session.
        await LockAsync(connection, database, lockWait ?? TimeSpan.FromMinutes(10), cancellationToken);
        await using (var history = new NpgsqlCommand(HistorySchemaSql, connection))
        {
            await history.ExecuteNonQueryAsync(cancellationToken);
        }

        var applied = await ReadHistoryAsync(connection, cancellationToken);
        var newlyApplied = new List<string>();
        var alreadyApplied = 0;
        foreach (var folder in folders)
        {
            if (!Directory.Exists(folder.Path))
            {
                continue;
            }

            if (folder.Requirements is { } requirements && File.Exists(requirements))
            {
                await CheckRequirementsAsync(connection, requirements, database, repositoryRoot, cancellationToken);
            }

            foreach (var file in Directory.GetFiles(folder.Path, "*.sql").Order(StringComparer.Ordinal))
            {
                var displayName = Path.GetRelativePath(repositoryRoot, file).Replace('\\', '/');
                var (version, name) = ParseFileName(file, folder.VersionPrefix);
                var content = await File.ReadAllTextAsync(file, cancellationToken);
                if (applied.TryGetValue(version, out var recorded))
                {
                    if (Normalize(recorded) != Normalize(string.Concat(SqlScript.Split(content).Select(s => s.Text))))
                    {
                        throw new MigrationException(
                            $"Migration {displayName} was changed after it was applied to {database}. An applied migration " +
                            "must not change: put the change in a new migration, or start from empty local databases " +
                            "(./zmarty up --reset).");
                    }

                    alreadyApplied++;
                    continue;
                }

                await ApplyFileAsync(connection, displayName, database, version, name, content, cancellationToken);
                newlyApplied.Add(displayName);
            }
        }

        return new Result(newlyApplied, alreadyApplied);
    }

    private static async Task ApplyFileAsync(
        NpgsqlConnection connection, string displayName, string database, string version, string name, string content,
        CancellationToken cancellationToken)
    {
        var statements = SqlScript.Split(content);
        var current = -1;
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            // One statement at a time, so a failure names the statement and so the line it is on.
            for (current = 0; current < statements.Count; current++)
            {
                await using var migrate = new NpgsqlCommand(statements[current].Text, connection, transaction);
                await migrate.ExecuteNonQueryAsync(cancellationToken);
            }

            current = -1;

            await using (var record = new NpgsqlCommand(
                "insert into supabase_migrations.schema_migrations (version, statements, name) values ($1, $2, $3)",
                connection, transaction))
            {
                record.Parameters.Add(new() { Value = version });
                record.Parameters.Add(new() { Value = statements.Select(s => s.Text).ToArray() });
                record.Parameters.Add(new() { Value = name });
                await record.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }
        catch (PostgresException ex)
        {
            await transaction.RollbackAsync(CancellationToken.None);
            var where = LineOf(content, statements, current, ex.Position) is { } line ? $" at line {line}" : "";
            throw new MigrationException(
                $"Migration {displayName} failed on {database}{where}: {ex.SqlState}: {ex.MessageText}" +
                (ex.Detail is { } detail ? $" ({detail})" : "") +
                ". Files before it stay applied; fix this file and start again.", ex);
        }
    }

    private static async Task LockAsync(NpgsqlConnection connection, string database, TimeSpan wait, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            await using var tryLock = new NpgsqlCommand("select pg_try_advisory_lock($1)", connection);
            tryLock.Parameters.Add(new() { Value = LockKey });
            if ((bool)(await tryLock.ExecuteScalarAsync(cancellationToken))!)
            {
                return;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new MigrationException(
                    $"Another migration of {database} has held its lock for over {wait.TotalMinutes:0} minutes; nothing was applied. " +
                    "Find it with: select pid, application_name, query_start from pg_stat_activity where pid in " +
                    "(select pid from pg_locks where locktype = 'advisory'); end it or wait, then run again.");
            }

            await Task.Delay(s_lockPoll, cancellationToken);
        }
    }

    /// <summary>Runs the checks in a transaction that is always rolled back: they may look, never change.</summary>
    private static async Task CheckRequirementsAsync(
        NpgsqlConnection connection, string file, string database, string repositoryRoot, CancellationToken cancellationToken)
    {
        var content = await File.ReadAllTextAsync(file, cancellationToken);
        var statements = SqlScript.Split(content);
        var current = 0;
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            for (; current < statements.Count; current++)
            {
                await using var check = new NpgsqlCommand(statements[current].Text, connection, transaction);
                await check.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        catch (PostgresException ex)
        {
            var displayName = Path.GetRelativePath(repositoryRoot, file).Replace('\\', '/');
            var where = LineOf(content, statements, current, ex.Position) is { } line ? $" at line {line}" : "";
            throw new MigrationException(
                $"{database} does not have what the migrations need ({displayName}{where}): {ex.SqlState}: {ex.MessageText}" +
                (ex.Hint is { } hint ? $" {hint}" : "") + " Nothing was applied.", ex);
        }
        finally
        {
            await transaction.RollbackAsync(CancellationToken.None);
        }
    }

    private static async Task<Dictionary<string, string>> ReadHistoryAsync(
        NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var applied = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand(
            "select version, coalesce(array_to_string(statements, ''), '') from supabase_migrations.schema_migrations",
            connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            applied[reader.GetString(0)] = reader.GetString(1);
        }

        return applied;
    }

    /// <summary>
    /// <c>20261124120000_credits.sql</c> is version <c>20261124120000</c>, name <c>credits</c>, as the
    /// Supabase CLI reads it.
    /// </summary>
    internal static (string Version, string Name) ParseFileName(string file, string versionPrefix)
    {
        var stem = Path.GetFileNameWithoutExtension(file);
        var underscore = stem.IndexOf('_', StringComparison.Ordinal);
        return underscore > 0
            ? (versionPrefix + stem[..underscore], stem[(underscore + 1)..])
            : (versionPrefix + stem, stem);
    }

    /// <summary>
    /// Statements as recorded, by us or by the CLI (which trims them and may drop the semicolons),
    /// compare equal when only whitespace and statement ends differ.
    /// </summary>
    private static string Normalize(string sql) => Insignificant().Replace(sql, "");

    /// <summary>
    /// PostgreSQL's error position counts from the start of the failing statement; an error without one (a raised
    /// exception) is on the statement's first line, after the blank lines that precede it.
    /// </summary>
    private static int? LineOf(string content, IReadOnlyList<SqlScript.Statement> statements, int failed, int position)
    {
        if (failed < 0 || failed >= statements.Count)
        {
            return null;
        }

        var statement = statements[failed];
        var within = position > 0 ? position - 1 : statement.Text.Length - statement.Text.TrimStart().Length;
        var offset = Math.Min(statement.Offset + within, content.Length);
        return content.AsSpan(0, offset).Count('\n') + 1;
    }

    [GeneratedRegex(@"[\s;]+")]
    private static partial Regex Insignificant();
}
