using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Zmarty.AppHost.Commands;
using Zmarty.Testing;

namespace Zmarty.Tests.AppHost;

[Collection(AppHostSecondCollection.Name)]
public sealed class DevTokensTests
{
    [Fact]
    public async Task A_dev_user_is_created_once_and_its_profile_follows()
    {
        await using var app = await TestSystem.StartAsync(b => b.WithoutProjects());
        var chat = app.GetConnectionString("chat");

        var first = await DevTokens.EnsureUserAsync(chat, "dev@example.com");
        var again = await DevTokens.EnsureUserAsync(chat, "DEV@example.com");

        Assert.Equal(first, again);
        await using var connection = new Npgsql.NpgsqlConnection(chat);
        await connection.OpenAsync();
        await using var profile = new Npgsql.NpgsqlCommand("select email from public.user_profiles where id = $1", connection);
        profile.Parameters.Add(new() { Value = first });
        Assert.Equal("dev@example.com", await profile.ExecuteScalarAsync());
    }

    [Fact]
    public void The_token_is_an_HS256_JWT_with_Supabase_claims_signed_by_the_secret()
    {
        var userId = Guid.NewGuid();
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

        var token = DevTokens.CreateAccessToken("a-secret-of-at-least-thirty-two-chars!", userId, "dev@example.com", now, TimeSpan.FromHours(1));

        var parts = token.Split('.');
        Assert.Equal(3, parts.Length);
        var expected = HMACSHA256.HashData(
            Encoding.UTF8.GetBytes("a-secret-of-at-least-thirty-two-chars!"), Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"));
        Assert.Equal(expected, FromBase64Url(parts[2]));

        using var header = JsonDocument.Parse(FromBase64Url(parts[0]));
        Assert.Equal("HS256", header.RootElement.GetProperty("alg").GetString());
        using var claims = JsonDocument.Parse(FromBase64Url(parts[1]));
        var c = claims.RootElement;
        Assert.Equal(userId.ToString(), c.GetProperty("sub").GetString());
        Assert.Equal("authenticated", c.GetProperty("aud").GetString());
        Assert.Equal("authenticated", c.GetProperty("role").GetString());
        Assert.Equal(DevTokens.LocalIssuer, c.GetProperty("iss").GetString());
        Assert.Equal(1_800_000_000, c.GetProperty("iat").GetInt64());
        Assert.Equal(1_800_003_600, c.GetProperty("exp").GetInt64());
        Assert.Equal("dev@example.com", c.GetProperty("email").GetString());
    }

    private static byte[] FromBase64Url(string value)
    {
        var padded = value.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded.PadRight(padded.Length + ((4 - (padded.Length % 4)) % 4), '='));
    }
}
