using System.Text.RegularExpressions;
using Npgsql;

namespace Zmarty.Migrations;

/// <summary>
/// Applies SQL files in name order, each in its own transaction, and records them in the table the
/// Supabase CLI keeps (<c>supabase_migrations.schema_migrations</c>), so a file is never applied twice
/// and a real project migrated with the CLI stays in step.
/// </summary>
public static partial class MigrationRunner
{
    private const string HistorySchemaSql = """
        create schema if not exists supabase_migrations;
        create table if not exists supabase_migrations.schema_migrations (
          version text primary key,
          statements text[],
          name text
        );
        """;

    /// <summary>A folder of SQL files, and the prefix that keeps its versions apart in the history table.</summary>
    public sealed record Folder(string Path, string VersionPrefix = "");

    public sealed record Result(IReadOnlyList<string> Applied, int AlreadyApplied);

    public static async Task<Result> ApplyAsync(
        string connectionString, string database, IEnumerable<Folder> folders, string repositoryRoot,
        CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
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

    /// <summary>PostgreSQL's error position counts from the start of the failing statement.</summary>
    private static int? LineOf(string content, IReadOnlyList<SqlScript.Statement> statements, int failed, int position)
    {
        if (failed < 0 || failed >= statements.Count)
        {
            return null;
        }

        var statement = statements[failed];
        var offset = Math.Min(statement.Offset + Math.Max(position - 1, 0), content.Length);
        return content.AsSpan(0, offset).Count('\n') + 1;
    }

    [GeneratedRegex(@"[\s;]+")]
    private static partial Regex Insignificant();
}
