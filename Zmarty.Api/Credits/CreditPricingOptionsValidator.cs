using System.Globalization;
using Microsoft.Extensions.Options;

namespace Zmarty.Api.Credits;

/// <summary>
/// The rules <see cref="CreditPricingOptions"/> must follow, run at start (<c>ValidateOnStart</c>) and by
/// <see cref="CreditPricing"/> when constructed directly. Each failure names its configuration key.
/// </summary>
public sealed class CreditPricingOptionsValidator : IValidateOptions<CreditPricingOptions>
{
    public ValidateOptionsResult Validate(string? name, CreditPricingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        void NotNegative(decimal value, string key)
        {
            if (value < 0)
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture, $"{CreditPricingOptions.SectionName}:{key} is {value}; a price cannot be negative."));
            }
        }

        if (options.Providers.Count == 0)
        {
            failures.Add($"{CreditPricingOptions.SectionName}:{nameof(options.Providers)} is empty; no chat reply could be priced.");
        }

        foreach (var (provider, rate) in options.Providers)
        {
            var prefix = $"{nameof(options.Providers)}:{provider}:";
            NotNegative(rate.InputPer1K, prefix + nameof(rate.InputPer1K));
            NotNegative(rate.OutputPer1K, prefix + nameof(rate.OutputPer1K));
            NotNegative(rate.Minimum, prefix + nameof(rate.Minimum));
        }

        NotNegative(options.DataPerSymbol, nameof(options.DataPerSymbol));
        NotNegative(options.VoiceSurcharge, nameof(options.VoiceSurcharge));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <exception cref="OptionsValidationException">The options break a rule.</exception>
    internal static void ThrowIfInvalid(CreditPricingOptions options)
    {
        var result = new CreditPricingOptionsValidator().Validate(Options.DefaultName, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(CreditPricingOptions), result.Failures);
        }
    }
}
