using Microsoft.Extensions.Options;
using Zmarty.Api.Auth;

namespace Zmarty.Api.Voice;

/// <summary>
/// The audio links' key must exist before the first voice reply, not be discovered missing by it:
/// <c>Voice:LinkSecret</c>, or a <c>Supabase:JwtSecret</c> to derive it from. A set secret is as
/// long as an HMAC-SHA256 key should be. Outside Development ElevenLabs needs its key: without one
/// voice replies would go to the local emulators' address.
/// </summary>
public sealed class VoiceOptionsValidator(IOptions<SupabaseAuthOptions> supabase, IHostEnvironment environment)
    : IValidateOptions<VoiceOptions>
{
    public const int MinimumLinkSecretLength = 32;

    public ValidateOptionsResult Validate(string? name, VoiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!environment.IsDevelopment() && string.IsNullOrWhiteSpace(options.ApiKey))
        {
            return ValidateOptionsResult.Fail(
                "Voice:ApiKey (ElevenLabs) is not set; outside Development the Api never falls back to the emulators " +
                $"({environment.EnvironmentName}).");
        }

        if (options.LinkSecret is { Length: > 0 and < MinimumLinkSecretLength })
        {
            return ValidateOptionsResult.Fail(
                $"Voice:LinkSecret is {options.LinkSecret.Length} characters; it must be at least {MinimumLinkSecretLength}.");
        }

        if (string.IsNullOrEmpty(options.LinkSecret) && string.IsNullOrEmpty(supabase.Value.JwtSecret))
        {
            return ValidateOptionsResult.Fail(
                "Set Voice:LinkSecret (at least 32 characters): without Supabase:JwtSecret (a JWKS-only deployment) " +
                "there is nothing to derive the audio links' key from.");
        }

        return options.Timeout > TimeSpan.Zero && options.LinkLifetime > TimeSpan.Zero
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("Voice:Timeout and Voice:LinkLifetime must be positive.");
    }
}
