using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace Zmarty.AppHost.Commands;

/// <summary>
/// Development users and the JWTs Supabase Auth would give them: HS256 with the project's JWT
/// secret, carrying the claims Supabase puts in an access token (docs/domain.md §7).
/// </summary>
public static class DevTokens
{
    /// <summary>The issuer of local tokens: where the Supabase CLI's local stack serves Auth.</summary>
    public const string LocalIssuer = "http://127.0.0.1:54321/auth/v1";

    /// <summary>Creates the user in A's <c>auth.users</c> unless it exists; returns its id.</summary>
    public static async Task<Guid> EnsureUserAsync(string chatConnectionString, string email, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(chatConnectionString);
        await connection.OpenAsync(cancellationToken);
        // The insert and the read are one statement so two concurrent calls agree on the id.
        await using var command = new NpgsqlCommand(
            """
            with created as (
              insert into auth.users (id, email, raw_app_meta_data, raw_user_meta_data)
              select gen_random_uuid(), $1, '{"provider":"email","providers":["email"]}', '{}'
              where not exists (select 1 from auth.users where lower(email) = lower($1))
              returning id
            )
            select id from created
            union all
            select id from auth.users where lower(email) = lower($1)
            limit 1
            """,
            connection);
        command.Parameters.Add(new() { Value = email });
        return (Guid)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// A token for <paramref name="userId"/>; <paramref name="anonymous"/> makes it an anonymous sign-in's (Supabase's
    /// <c>is_anonymous: true</c>, still role <c>authenticated</c>), as the tests that refuse such sessions need.
    /// </summary>
    public static string CreateAccessToken(
        string jwtSecret, Guid userId, string email, DateTimeOffset now, TimeSpan lifetime, string issuer = LocalIssuer,
        bool anonymous = false)
    {
        var header = new { alg = "HS256", typ = "JWT" };
        var claims = new Dictionary<string, object?>
        {
            ["iss"] = issuer,
            ["aud"] = "authenticated",
            ["sub"] = userId.ToString(),
            ["exp"] = (now + lifetime).ToUnixTimeSeconds(),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["email"] = email,
            ["phone"] = "",
            ["role"] = "authenticated",
            ["aal"] = "aal1",
            ["session_id"] = Guid.NewGuid().ToString(),
            ["is_anonymous"] = anonymous,
            ["app_metadata"] = anonymous ? new { provider = "anonymous", providers = new[] { "anonymous" } }
                : new { provider = "email", providers = new[] { "email" } },
            ["user_metadata"] = new { },
        };

        var signingInput = $"{Base64Url(JsonSerializer.SerializeToUtf8Bytes(header))}.{Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims))}";
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(jwtSecret), Encoding.ASCII.GetBytes(signingInput));
        return $"{signingInput}.{Base64Url(signature)}";
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
