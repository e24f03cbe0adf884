using System.Globalization;
using Microsoft.Extensions.Options;
using Zmarty.Api.Credits;
using Zmarty.Api.Voice;

namespace Zmarty.Api.Chat;

/// <summary>
/// A reply's longest life after its hold (the first token, the stream, the voice step, the settle's
/// retries) must end before the hold expires; otherwise the releaser frees the hold of a reply the
/// client already has, and its settle fails: a free reply. Outside Development every provider needs
/// its key: without one the Api would send users' prompts to the local emulators' address. Checked
/// at start, naming the keys.
/// </summary>
public sealed class ChatOptionsValidator(IOptions<CreditsOptions> credits, IOptions<VoiceOptions> voice, IHostEnvironment environment)
    : IValidateOptions<ChatOptions>
{
    public ValidateOptionsResult Validate(string? name, ChatOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var keyless = options.Providers.Where(p => string.IsNullOrWhiteSpace(p.Value.ApiKey)).Select(p => p.Key).ToList();
        if (!environment.IsDevelopment() && keyless.Count > 0)
        {
            return ValidateOptionsResult.Fail(keyless.Select(provider =>
                $"Chat:Providers:{provider}:ApiKey is not set; outside Development the Api never falls back to the emulators " +
                $"({environment.EnvironmentName})."));
        }

        var badBudgets = options.Tiers.Where(t => t.Value.HistoryTokens is < 0 or > 1_000_000).Select(t => t.Key).ToList();
        if (badBudgets.Count > 0)
        {
            return ValidateOptionsResult.Fail(badBudgets.Select(tier =>
                $"{ChatOptions.SectionName}:Tiers:{tier}:HistoryTokens must be between 0 and 1000000."));
        }

        if (options.MaxReplyDuration <= TimeSpan.Zero)
        {
            return ValidateOptionsResult.Fail($"{ChatOptions.SectionName}:{nameof(ChatOptions.MaxReplyDuration)} must be positive.");
        }

        var longest = options.Router.Timeout + options.MaxReplyDuration + voice.Value.Timeout + credits.Value.SettleRetryWindow;
        var lifetime = credits.Value.HoldLifetime;
        return longest < lifetime
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(string.Create(CultureInfo.InvariantCulture,
                $"Chat:Router:Timeout ({options.Router.Timeout}) + Chat:MaxReplyDuration ({options.MaxReplyDuration}) + " +
                $"Voice:Timeout ({voice.Value.Timeout}) + Credits:SettleRetryWindow ({credits.Value.SettleRetryWindow}) is {longest}; " +
                $"it must be less than Credits:HoldLifetime ({lifetime}), or a delivered reply's hold could expire before it is settled."));
    }
}
