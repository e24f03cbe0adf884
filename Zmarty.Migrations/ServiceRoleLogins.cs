using Npgsql;

namespace Zmarty.Migrations;

/// <summary>
/// The migrations make each service's role without LOGIN (service_roles.sql); an operator gives each a
/// password once per database. Local databases get theirs from here.
/// </summary>
public static class ServiceRoleLogins
{
    /// <summary>Lets <paramref name="role"/> log in with <paramref name="password"/>.</summary>
    public static async Task EnableAsync(
        string superuserConnectionString, string role, string password, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(superuserConnectionString);
        await connection.OpenAsync(cancellationToken);
        // ALTER ROLE takes no parameters; both values are quoted by the server.
        await using var quote = new NpgsqlCommand("select format('alter role %I with login password %L', $1::text, $2::text)", connection);
        quote.Parameters.Add(new() { Value = role });
        quote.Parameters.Add(new() { Value = password });
        var statement = (string)(await quote.ExecuteScalarAsync(cancellationToken))!;
        await using var alter = new NpgsqlCommand(statement, connection);
        await alter.ExecuteNonQueryAsync(cancellationToken);
    }
}
