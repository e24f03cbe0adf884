using System.Text.Json;
using Npgsql;

namespace Zmarty.Tests.Database;

/// <summary>Small helpers over Npgsql: every value is a bound parameter.</summary>
internal static class Sql
{
    public static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params object?[] args)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var arg in args)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = arg ?? DBNull.Value });
        }

        return command;
    }

    public static NpgsqlCommand Command(NpgsqlDataSource source, string sql, params object?[] args)
    {
        var command = source.CreateCommand(sql);
        foreach (var arg in args)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = arg ?? DBNull.Value });
        }

        return command;
    }

    public static async Task<T> ScalarAsync<T>(NpgsqlDataSource source, string sql, params object?[] args)
    {
        await using var command = Command(source, sql, args);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, params object?[] args)
    {
        await using var command = Command(connection, sql, args);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public static async Task<int> ExecuteAsync(NpgsqlDataSource source, string sql, params object?[] args)
    {
        await using var command = Command(source, sql, args);
        return await command.ExecuteNonQueryAsync();
    }

    public static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, params object?[] args)
    {
        await using var command = Command(connection, sql, args);
        return await command.ExecuteNonQueryAsync();
    }

    public static async Task<List<T>> ColumnAsync<T>(NpgsqlDataSource source, string sql, params object?[] args)
    {
        await using var command = Command(source, sql, args);
        return await ReadColumnAsync<T>(command);
    }

    public static async Task<List<T>> ColumnAsync<T>(NpgsqlConnection connection, string sql, params object?[] args)
    {
        await using var command = Command(connection, sql, args);
        return await ReadColumnAsync<T>(command);
    }

    private static async Task<List<T>> ReadColumnAsync<T>(NpgsqlCommand command)
    {
        var values = new List<T>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetFieldValue<T>(0));
        }

        return values;
    }

    /// <summary>
    /// Runs <paramref name="body"/> as PostgREST runs a request: in a transaction, with the JWT
    /// claims in request.jwt.claims and the role switched to the claim's role; rolled back after.
    /// </summary>
    public static async Task AsRoleAsync(
        NpgsqlDataSource source, string role, Guid? userId, Func<NpgsqlConnection, Task> body)
    {
        await using var request = await BeginAsRoleAsync(source, role, userId);
        await body(request.Connection);
        await request.Transaction.RollbackAsync();
    }

    /// <summary>
    /// Opens a connection and a transaction set up as PostgREST sets up a request (see
    /// <see cref="AsRoleAsync"/>); the caller commits it, or disposing rolls it back.
    /// </summary>
    public static async Task<RoleTransaction> BeginAsRoleAsync(NpgsqlDataSource source, string role, Guid? userId)
    {
        var connection = await source.OpenConnectionAsync();
        var transaction = await connection.BeginTransactionAsync();
        var claims = userId is { } id
            ? JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["sub"] = id.ToString(),
                ["role"] = role,
                ["aud"] = "authenticated",
                ["email"] = $"{id:N}@example.com",
            })
            : JsonSerializer.Serialize(new Dictionary<string, object> { ["role"] = role });
        await ExecuteAsync(connection, "select set_config('request.jwt.claims', $1, true)", claims);
        // A role name cannot be a bound parameter; it is one of three constants here.
        await ExecuteAsync(connection, role switch
        {
            "anon" => "set local role anon",
            "authenticated" => "set local role authenticated",
            "service_role" => "set local role service_role",
            _ => throw new ArgumentOutOfRangeException(nameof(role), role, "unknown API role"),
        });
        return new(connection, transaction);
    }

    public sealed class RoleTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public NpgsqlConnection Connection => connection;

        public NpgsqlTransaction Transaction => transaction;

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    /// <summary>
    /// Returns once the backend <paramref name="pid"/> waits for a lock, so a test can let the
    /// transaction it waits for finish at a known point of the race.
    /// </summary>
    public static async Task WaitUntilBlockedAsync(NpgsqlDataSource source, int pid)
    {
        using var giveUp = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (!await ScalarAsync<bool>(source,
                   "select coalesce((select wait_event_type = 'Lock' from pg_stat_activity where pid = $1), false)", pid))
        {
            await Task.Delay(20, giveUp.Token);
        }
    }

    /// <summary>Asserts that <paramref name="action"/> fails with <paramref name="sqlState"/>.</summary>
    public static async Task<PostgresException> ThrowsAsync(string sqlState, Func<Task> action)
    {
        var ex = await Assert.ThrowsAsync<PostgresException>(action);
        Assert.Equal(sqlState, ex.SqlState);
        return ex;
    }

    /// <summary>
    /// Inside an open transaction: runs one statement that must fail with <paramref name="sqlState"/>,
    /// under a savepoint so the transaction stays usable afterwards.
    /// </summary>
    public static async Task<PostgresException> FailsAsync(
        NpgsqlConnection connection, string sqlState, string sql, params object?[] args)
    {
        await ExecuteAsync(connection, "savepoint expect_failure");
        var ex = await ThrowsAsync(sqlState, () => ExecuteAsync(connection, sql, args));
        await ExecuteAsync(connection, "rollback to savepoint expect_failure");
        return ex;
    }
}
