using System.ComponentModel.DataAnnotations;

namespace Zmarty.Api.Auth;

/// <summary>
/// How Supabase A's access tokens are checked (docs/domain.md §7): HS256 with the project's JWT secret,
/// and/or ES256/RS256 with the keys at the project's JWKS URL. Configuration picks; both may be on.
/// </summary>
public sealed class SupabaseAuthOptions : IValidatableObject
{
    public const string SectionName = "Supabase";

    /// <summary>The legacy HS256 secret; its UTF-8 bytes are the HMAC key, as Supabase uses it.</summary>
    public string? JwtSecret { get; set; }

    /// <summary>The <c>iss</c> tokens must carry: <c>https://&lt;ref&gt;.supabase.co/auth/v1</c>.</summary>
    [Required]
    public string JwtIssuer { get; set; } = "http://127.0.0.1:54321/auth/v1";

    /// <summary>The project's JWKS (<c>https://&lt;ref&gt;.supabase.co/auth/v1/.well-known/jwks.json</c>); unset: HS256 only.</summary>
    public Uri? JwksUrl { get; set; }

    /// <summary>How long fetched keys are used before they are fetched again.</summary>
    public TimeSpan JwksRefreshInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The least time between two fetches caused by tokens with an unknown <c>kid</c>, so junk tokens cannot hammer Auth.</summary>
    public TimeSpan JwksUnknownKidInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one JWKS fetch may take; a request waits on one only for a key it has never seen.</summary>
    public TimeSpan JwksFetchTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether anonymous sign-ins (<c>is_anonymous: true</c>) may use what costs money: <c>POST /chat</c>, symbol writes,
    /// <c>GET /me/signals</c>. Off: they get 403 <c>anonymous_not_allowed</c> there and may only read their own data.
    /// </summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>Tolerance on <c>exp</c> and <c>nbf</c> for clocks that disagree a little.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrEmpty(JwtSecret) && JwksUrl is null)
        {
            yield return new ValidationResult(
                "Set Supabase:JwtSecret (HS256) or Supabase:JwksUrl (ES256/RS256), or both.",
                [nameof(JwtSecret), nameof(JwksUrl)]);
        }

        if (JwtSecret is { Length: > 0 and < 32 })
        {
            yield return new ValidationResult("Supabase:JwtSecret must be at least 32 characters, as Supabase's are.", [nameof(JwtSecret)]);
        }
    }
}
