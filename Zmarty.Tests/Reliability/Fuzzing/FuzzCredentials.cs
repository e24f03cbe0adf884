using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Zmarty.AppHost.Commands;

namespace Zmarty.Tests.Reliability.Fuzzing;

/// <summary>
/// The fuzzing user's token, and credentials that must not pass for anyone's: Supabase's claims, signed or shaped wrong.
/// </summary>
internal sealed class FuzzCredentials(string jwtSecret, Guid user, string userToken, Guid anonymous)
{
    private static readonly JsonWebTokenHandler s_tokens = new();

    /// <summary>The <c>Authorization</c> header of the fuzzing user.</summary>
    public string User { get; } = "Bearer " + userToken;

    /// <summary>Credentials that prove no user: each must get 401 from every operation that needs one.</summary>
    public IEnumerable<(string Detail, string? Authorization)> Refused()
    {
        var now = DateTime.UtcNow;
        yield return ("no Authorization header", null);
        yield return ("\"Bearer\" alone", "Bearer");
        yield return ("a junk bearer token", "Bearer junk.junk.junk");
        yield return ("an 8 KB bearer token", "Bearer " + new string('x', 8 * 1024));
        yield return ("Basic credentials", "Basic " + Convert.ToBase64String("user:password"u8.ToArray()));
        yield return ("alg none", "Bearer " + Unsigned(user));
        yield return ("expired", "Bearer " + Mint(user, jwtSecret, expires: now.AddMinutes(-10)));
        yield return ("signed with another secret", "Bearer " + Mint(user, jwtSecret + "-not"));
        yield return ("another issuer", "Bearer " + Mint(user, jwtSecret, issuer: "https://elsewhere.example/auth/v1"));
        yield return ("the service_role role", "Bearer " + Mint(user, jwtSecret, role: "service_role"));
        yield return ("a sub that is no uuid", "Bearer " + Mint(sub: "../../admin", secret: jwtSecret));
    }

    /// <summary>A well-signed token of a user A does not know: refused or answered, never a server error.</summary>
    public string UnknownUser => "Bearer " + Mint(Guid.NewGuid(), jwtSecret);

    /// <summary>
    /// An anonymous sign-in's session (Supabase's <c>is_anonymous</c>): a real user with a profile and the signup bonus,
    /// which anyone can make by the thousand, so it must not be able to spend credits.
    /// </summary>
    public string AnonymousSession => "Bearer " + Mint(anonymous, jwtSecret, isAnonymous: true);

    private static string Mint(Guid user, string secret, DateTime? expires = null, string? issuer = null, string role = "authenticated",
        bool isAnonymous = false) =>
        Mint(user.ToString(), secret, expires, issuer, role, isAnonymous);

    private static string Mint(string sub, string secret, DateTime? expires = null, string? issuer = null, string role = "authenticated",
        bool isAnonymous = false)
    {
        var until = expires ?? DateTime.UtcNow.AddHours(1);
        return s_tokens.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? DevTokens.LocalIssuer,
            Audience = "authenticated",
            IssuedAt = until.AddHours(-1),
            NotBefore = until.AddHours(-1),
            Expires = until,
            SigningCredentials = new(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = sub,
                ["role"] = role,
                ["aal"] = "aal1",
                ["session_id"] = Guid.NewGuid().ToString(),
                ["is_anonymous"] = isAnonymous,
            },
        });
    }

    private static string Unsigned(Guid user)
    {
        var header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { alg = "none", typ = "JWT" }));
        var claims = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["iss"] = DevTokens.LocalIssuer,
            ["aud"] = "authenticated",
            ["sub"] = user.ToString(),
            ["role"] = "authenticated",
            ["exp"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds(),
        }));
        return $"{header}.{claims}.";
    }

    private static string Base64Url(byte[] bytes) => Base64UrlEncoder.Encode(bytes);
}
