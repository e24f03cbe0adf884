namespace Zmarty.Api.Credits;

/// <summary>Credits per 1,000 tokens for one provider, plus the minimum added to every request.</summary>
public sealed class ProviderRate
{
    public decimal InputPer1K { get; set; }

    public decimal OutputPer1K { get; set; }

    public decimal Minimum { get; set; }
}

/// <summary>
/// Credit prices (docs/domain.md §2), bound from configuration section <see cref="SectionName"/> and
/// checked at start by <see cref="CreditPricingOptionsValidator"/>. Defaults are the
/// blueprint's rates; configuration overrides a provider's rates or adds a provider (names are case-insensitive).
/// </summary>
public sealed class CreditPricingOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Credits:Pricing";

    /// <summary>Rates by provider name.</summary>
    public Dictionary<string, ProviderRate> Providers { get; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["grok"] = new ProviderRate { InputPer1K = 1, OutputPer1K = 4, Minimum = 1 },
        ["gpt"] = new ProviderRate { InputPer1K = 3, OutputPer1K = 10, Minimum = 2 },
        ["claude"] = new ProviderRate { InputPer1K = 3, OutputPer1K = 10, Minimum = 2 },
    };

    /// <summary>Flat price of a data request, per symbol.</summary>
    public int DataPerSymbol { get; set; } = 1;

    /// <summary>Added to a chat reply spoken as voice.</summary>
    public int VoiceSurcharge { get; set; } = 5;
}
