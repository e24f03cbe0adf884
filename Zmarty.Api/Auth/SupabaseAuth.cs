using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Zmarty.Api.Errors;

namespace Zmarty.Api.Auth;

/// <summary>
/// Supabase access tokens through JwtBearer: issuer, audience <c>authenticated</c>, expiry, a
/// signature by the project's secret or JWKS, <c>role = authenticated</c> and a user id in <c>sub</c>.
/// Anything else is a 401 with the contract's <c>invalid_token</c> body.
/// </summary>
public static class SupabaseAuth
{
    public const string Audience = "authenticated";
    public const string AuthenticatedRole = "authenticated";

    public static IHostApplicationBuilder AddSupabaseAuth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SupabaseAuthOptions>()
            .BindConfiguration(SupabaseAuthOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // One attempt bounded by JwksFetchTimeout: retries would hold up the one request waiting on a new key.
        builder.Services.AddHttpClient<SupabaseJwks>().RemoveAllResilienceHandlers();
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<SupabaseAuthOptions>, IServiceProvider>((bearer, supabase, services) =>
                Configure(bearer, supabase.Value, supabase.Value.JwksUrl is null ? null : services.GetRequiredService<SupabaseJwks>()));
        builder.Services.AddAuthorization();
        builder.Services.AddPaidAccess();
        return builder;
    }

    /// <summary>The caller's Supabase user id (the validated <c>sub</c>).</summary>
    public static Guid UserId(this ClaimsPrincipal user) =>
        Guid.Parse(user.FindFirstValue(JwtRegisteredClaimNames.Sub) ?? throw new InvalidOperationException("No authenticated user."));

    private static void Configure(JwtBearerOptions bearer, SupabaseAuthOptions supabase, SupabaseJwks? jwks)
    {
        bearer.MapInboundClaims = false;
        bearer.ConfigurationManager = jwks;
        bearer.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = supabase.JwtIssuer,
            ValidAudience = Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256, SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.RsaSha256],
            IssuerSigningKeys = string.IsNullOrEmpty(supabase.JwtSecret)
                ? []
                : [new SymmetricSecurityKey(Encoding.UTF8.GetBytes(supabase.JwtSecret))],
            ClockSkew = supabase.ClockSkew,
            NameClaimType = JwtRegisteredClaimNames.Sub,
            RoleClaimType = "role",
        };
        bearer.Events = new JwtBearerEvents
        {
            OnMessageReceived = context => jwks is null ? Task.CompletedTask : EnsureKeyAsync(context, jwks),
            OnTokenValidated = CheckSupabaseClaims,
            OnChallenge = WriteInvalidTokenAsync,
        };
    }

    /// <summary>A token signed with a key the cache has not seen makes the JWKS be fetched before validation.</summary>
    private static async Task EnsureKeyAsync(MessageReceivedContext context, SupabaseJwks jwks)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var raw = header["Bearer ".Length..].Trim();
        if (KidToFetch(raw) is { } kid)
        {
            await jwks.EnsureKeyAsync(kid, context.HttpContext.RequestAborted);
        }
    }

    /// <summary>
    /// The key id of an asymmetrically signed token, or null. <see cref="JsonWebTokenHandler.CanReadToken"/> looks only
    /// at the token's shape (three dotted parts), so a junk token reaches the read, which throws; that is a token
    /// validation will refuse (401), never a server error.
    /// </summary>
    internal static string? KidToFetch(string raw)
    {
        var handler = new JsonWebTokenHandler();
        try
        {
            return handler.CanReadToken(raw)
                && handler.ReadJsonWebToken(raw) is { Kid: { Length: > 0 } kid, Alg: not SecurityAlgorithms.HmacSha256 }
                ? kid
                : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static Task CheckSupabaseClaims(TokenValidatedContext context)
    {
        var principal = context.Principal!;
        if (principal.FindFirstValue("role") != AuthenticatedRole)
        {
            context.Fail($"The token's role must be '{AuthenticatedRole}'.");
        }
        else if (!Guid.TryParse(principal.FindFirstValue(JwtRegisteredClaimNames.Sub), out _))
        {
            context.Fail("The token's sub is not a user id.");
        }

        return Task.CompletedTask;
    }

    private static async Task WriteInvalidTokenAsync(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        var message = Describe(context.AuthenticateFailure, context.Request.Headers.Authorization.Count > 0);
        context.Response.Headers.WWWAuthenticate = $"Bearer error=\"{ApiErrors.InvalidToken}\"";
        await ApiErrors.Problem(StatusCodes.Status401Unauthorized, ApiErrors.InvalidToken, message).ExecuteAsync(context.HttpContext);
    }

    /// <summary>Says what was wrong without echoing token contents.</summary>
    private static string Describe(Exception? failure, bool tokenSent) => failure switch
    {
        null when !tokenSent => "A Supabase access token is required (Authorization: Bearer <token>).",
        null => "The token could not be read.",
        SecurityTokenExpiredException => "The token has expired.",
        SecurityTokenNotYetValidException => "The token is not valid yet.",
        SecurityTokenInvalidAudienceException => $"The token's audience is not '{Audience}'.",
        SecurityTokenInvalidIssuerException => "The token was issued by another project.",
        SecurityTokenSignatureKeyNotFoundException => "The token's signature matches no key of the project (unknown key).",
        SecurityTokenInvalidAlgorithmException => "The token's signing algorithm is not accepted.",
        SecurityTokenInvalidSignatureException => "The token's signature is not valid.",
        SecurityTokenNoExpirationException => "The token has no expiry.",
        SecurityTokenMalformedException or ArgumentException => "The token is malformed.",
        AuthenticationFailureException => failure.Message,
        _ => "The token is not valid (its signature or claims).",
    };
}
