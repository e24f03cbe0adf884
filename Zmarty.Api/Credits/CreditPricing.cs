namespace Zmarty.Api.Credits;

/// <summary>
/// What a request costs in credits (docs/domain.md §2):
/// credits = ceil(input_tokens / 1000 × input_rate + output_tokens / 1000 × output_rate + minimum), + voice surcharge.
/// </summary>
/// <remarks>
/// In decimal, not double: rates like 0.1 per 1k are exact in decimal, so a total that is a whole number stays
/// one and the ceiling never charges a credit for a binary rounding error.
/// </remarks>
public sealed class CreditPricing
{
    private readonly CreditPricingOptions _options;

    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options break a rule of <see cref="CreditPricingOptionsValidator"/>.</exception>
    public CreditPricing(CreditPricingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        CreditPricingOptionsValidator.ThrowIfInvalid(options);
        _options = options;
    }

    /// <summary>Credits for a chat reply by <paramref name="provider"/>.</summary>
    /// <exception cref="ArgumentException">The provider has no configured rate.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A token count is negative.</exception>
    public int ForChat(string provider, int inputTokens, int outputTokens, bool voice = false)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentOutOfRangeException.ThrowIfNegative(inputTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(outputTokens);
        if (!_options.Providers.TryGetValue(provider, out var rate))
        {
            throw new ArgumentException($"No credit rate is configured for provider '{provider}'.", nameof(provider));
        }

        var cost = (inputTokens / 1000m * rate.InputPer1K) + (outputTokens / 1000m * rate.OutputPer1K) + rate.Minimum;
        return checked((int)Math.Ceiling(cost) + (voice ? _options.VoiceSurcharge : 0));
    }

    /// <summary>Credits for a data request covering <paramref name="symbols"/> symbols.</summary>
    public int ForData(int symbols)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(symbols);
        return checked(symbols * _options.DataPerSymbol);
    }
}
