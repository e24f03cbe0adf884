using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Zmarty.Tests.Chat;

/// <summary>Supabase access tokens minted with a standard JWT library (Microsoft.IdentityModel), good and bad.</summary>
[Collection(ChatSystemCollection.Name)]
public sealed class AuthTests(ChatSystemFixture system)
{
    private static readonly JsonWebTokenHandler s_tokens = new();

    private SigningCredentials Secret(string? secret = null) =>
        new(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret ?? system.JwtSecret)), SecurityAlgorithms.HmacSha256);

    private static string Mint(
        Guid user, SigningCredentials credentials, string? audience = "authenticated", string role = "authenticated",
        DateTime? expires = null, string? issuer = null)
    {
        var now = DateTime.UtcNow;
        return s_tokens.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? ChatSystemFixture.Issuer,
            Audience = audience,
            IssuedAt = (expires ?? now.AddHours(1)).AddHours(-1),
            NotBefore = (expires ?? now.AddHours(1)).AddHours(-1),
            Expires = expires ?? now.AddHours(1),
            SigningCredentials = credentials,
            Claims = new Dictionary<string, object>
            {
                ["sub"] = user.ToString(),
                ["role"] = role,
                ["email"] = $"{user:N}@example.com",
                ["aal"] = "aal1",
                ["session_id"] = Guid.NewGuid().ToString(),
                ["is_anonymous"] = false,
            },
        });
    }

    private async Task<HttpResponseMessage> CreditsAsync(string? token)
    {
        using var api = system.CreateApiClient(token);
        return await api.GetAsync("/me/credits");
    }

    private static async Task AssertInvalidTokenAsync(HttpResponseMessage response, string because)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("invalid_token", body.RootElement.GetProperty("error").GetString());
        Assert.Contains(because, body.RootElement.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_standard_hs256_token_with_the_supabase_claims_is_accepted()
    {
        var user = await system.CreateUserAsync();

        using var response = await CreditsAsync(Mint(user.Id, Secret()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(100, body.RootElement.GetProperty("balance").GetInt64());
    }

    [Fact]
    public async Task A_token_from_zmarty_token_is_accepted() =>
        Assert.Equal(HttpStatusCode.OK, (await CreditsAsync((await system.CreateUserAsync()).Token)).StatusCode);

    [Theory]
    [InlineData("junk.junk.junk")]
    [InlineData("eyJhbGciOiJFUzI1NiJ9.junk.junk")]
    [InlineData("...")]
    public async Task A_token_of_three_dotted_junk_parts_is_refused_as_invalid_not_a_server_error(string token) =>
        await AssertInvalidTokenAsync(await CreditsAsync(token), "");

    [Fact]
    public async Task No_token_is_refused() => await AssertInvalidTokenAsync(await CreditsAsync(null), "required");

    [Fact]
    public async Task An_expired_token_is_refused()
    {
        var user = await system.CreateUserAsync();
        await AssertInvalidTokenAsync(await CreditsAsync(Mint(user.Id, Secret(), expires: DateTime.UtcNow.AddMinutes(-5))), "expired");
    }

    [Fact]
    public async Task The_wrong_audience_is_refused()
    {
        var user = await system.CreateUserAsync();
        await AssertInvalidTokenAsync(await CreditsAsync(Mint(user.Id, Secret(), audience: "anon")), "audience");
    }

    [Fact]
    public async Task Another_projects_issuer_is_refused()
    {
        var user = await system.CreateUserAsync();
        await AssertInvalidTokenAsync(
            await CreditsAsync(Mint(user.Id, Secret(), issuer: "https://other.supabase.co/auth/v1")), "issued by another project");
    }

    [Fact]
    public async Task The_wrong_signature_is_refused()
    {
        var user = await system.CreateUserAsync();
        await AssertInvalidTokenAsync(await CreditsAsync(Mint(user.Id, Secret(new string('x', 48)))), "signature");
    }

    [Fact]
    public async Task An_unsigned_alg_none_token_is_refused()
    {
        var user = await system.CreateUserAsync();
        var header = Base64Url("""{"alg":"none","typ":"JWT"}""");
        var payload = Base64Url(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["iss"] = ChatSystemFixture.Issuer,
            ["aud"] = "authenticated",
            ["sub"] = user.Id.ToString(),
            ["role"] = "authenticated",
            ["exp"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds(),
        }));

        using var response = await CreditsAsync($"{header}.{payload}.");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task The_anon_role_is_refused()
    {
        var user = await system.CreateUserAsync();
        await AssertInvalidTokenAsync(await CreditsAsync(Mint(user.Id, Secret(), role: "anon")), "role");
    }

    [Fact]
    public async Task Es256_and_rs256_keys_come_from_the_jwks_and_a_rotation_is_picked_up_on_the_new_kid()
    {
        var user = await system.CreateUserAsync();
        using var first = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var rsa = RSA.Create(2048);
        using var second = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var firstKid = "ec-" + Guid.NewGuid().ToString("N")[..8];
        var rsaKid = "rsa-" + Guid.NewGuid().ToString("N")[..8];
        var secondKid = "ec-" + Guid.NewGuid().ToString("N")[..8];
        SigningCredentials Ec(ECDsa key, string kid) => new(new ECDsaSecurityKey(key) { KeyId = kid }, SecurityAlgorithms.EcdsaSha256);
        var rsaCredentials = new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = rsaKid }, SecurityAlgorithms.RsaSha256);

        await PublishAsync(EcJwk(first, firstKid), RsaJwk(rsa, rsaKid));
        Assert.Equal(HttpStatusCode.OK, (await CreditsAsync(Mint(user.Id, Ec(first, firstKid)))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await CreditsAsync(Mint(user.Id, rsaCredentials))).StatusCode);

        // Supabase rotates: the new key is published and the old one withdrawn.
        await PublishAsync(EcJwk(second, secondKid));
        Assert.Equal(HttpStatusCode.OK, (await CreditsAsync(Mint(user.Id, Ec(second, secondKid)))).StatusCode);
        await AssertInvalidTokenAsync(await CreditsAsync(Mint(user.Id, Ec(first, firstKid))), "unknown key");

        // A key the project never published is refused, whatever kid it claims.
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await AssertInvalidTokenAsync(await CreditsAsync(Mint(user.Id, Ec(stranger, secondKid))), "signature");
    }

    private async Task PublishAsync(params object[] keys)
    {
        using var emulators = system.CreateEmulatorsClient();
        (await emulators.PutAsJsonAsync("/control/supabase/jwks", new { keys })).EnsureSuccessStatusCode();
    }

    private static object EcJwk(ECDsa key, string kid)
    {
        var parameters = key.ExportParameters(includePrivateParameters: false);
        return new { kty = "EC", crv = "P-256", x = Base64Url(parameters.Q.X!), y = Base64Url(parameters.Q.Y!), kid, alg = "ES256", use = "sig" };
    }

    private static object RsaJwk(RSA key, string kid)
    {
        var parameters = key.ExportParameters(includePrivateParameters: false);
        return new { kty = "RSA", n = Base64Url(parameters.Modulus!), e = Base64Url(parameters.Exponent!), kid, alg = "RS256", use = "sig" };
    }

    private static string Base64Url(string text) => Base64Url(Encoding.UTF8.GetBytes(text));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
