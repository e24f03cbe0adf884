using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Zmarty.Api.Credits;

namespace Zmarty.Tests.Credits;

public sealed class CreditPricingTests
{
    private readonly CreditPricing _pricing = new(new CreditPricingOptions());

    // docs/domain.md §2: grok 0.5 × 1 + 1 × 4 + 1 = 5.5 → 6; gpt 1.5 × 3 + 2 × 10 + 2 = 26.5 → 27;
    // claude 2 × 3 + 3 × 10 + 2 = 38.
    [Theory]
    [InlineData("grok", 500, 1000, 6)]
    [InlineData("gpt", 1500, 2000, 27)]
    [InlineData("claude", 2000, 3000, 38)]
    public void The_worked_examples_of_the_domain_hold(string provider, int input, int output, int credits) =>
        Assert.Equal(credits, _pricing.ForChat(provider, input, output));

    // grok 1 + 4 + 1 = 6 exactly stays 6; an empty grok request costs its minimum, 1; one gpt input token makes
    // 0.003 + 2 = 2.003, and any fraction rounds up, to 3.
    [Fact]
    public void Whole_totals_stay_whole_fractions_round_up_and_an_empty_request_costs_the_minimum()
    {
        Assert.Equal(6, _pricing.ForChat("grok", 1000, 1000));
        Assert.Equal(1, _pricing.ForChat("grok", 0, 0));
        Assert.Equal(3, _pricing.ForChat("gpt", 1, 0));
    }

    [Fact]
    public void Voice_adds_five_credits_and_data_costs_one_per_symbol()
    {
        Assert.Equal(11, _pricing.ForChat("grok", 500, 1000, voice: true));
        Assert.Equal(3, _pricing.ForData(3));
        Assert.Equal(0, _pricing.ForData(0));
    }

    [Fact]
    public void Provider_names_are_case_insensitive_and_unknown_ones_are_refused()
    {
        Assert.Equal(6, _pricing.ForChat("GROK", 500, 1000));
        Assert.Throws<ArgumentException>(() => _pricing.ForChat("llama", 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => _pricing.ForChat("grok", -1, 1));
    }

    [Fact]
    public void Rates_come_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Credits:Pricing:Providers:grok:InputPer1K"] = "3",
            ["Credits:Pricing:Providers:grok:OutputPer1K"] = "4",
            ["Credits:Pricing:Providers:grok:Minimum"] = "1",
            ["Credits:Pricing:Providers:mistral:InputPer1K"] = "0.5",
            ["Credits:Pricing:Providers:mistral:OutputPer1K"] = "1.5",
            ["Credits:Pricing:Providers:mistral:Minimum"] = "0",
            ["Credits:Pricing:VoiceSurcharge"] = "7",
        }).Build();
        var options = new CreditPricingOptions();
        configuration.GetSection(CreditPricingOptions.SectionName).Bind(options);
        var pricing = new CreditPricing(options);

        // grok now 1.5 + 4 + 1 = 6.5 → 7; mistral 1 + 3 + 0 = 4; gpt keeps its default; voice is 7.
        Assert.Equal(7, pricing.ForChat("grok", 500, 1000));
        Assert.Equal(4, pricing.ForChat("mistral", 2000, 2000));
        Assert.Equal(27, pricing.ForChat("gpt", 1500, 2000));
        Assert.Equal(11, pricing.ForChat("mistral", 2000, 2000, voice: true));
    }

    [Fact]
    public void The_blueprint_prices_pass_validation() =>
        Assert.True(new CreditPricingOptionsValidator().Validate(null, new CreditPricingOptions()).Succeeded);

    [Fact]
    public void Negative_prices_are_refused_with_their_keys()
    {
        var options = new CreditPricingOptions { DataPerSymbol = -1 };
        options.Providers["gpt"].Minimum = -2;

        var error = Assert.Throws<OptionsValidationException>(() => new CreditPricing(options));

        Assert.Equal(
            [
                "Credits:Pricing:Providers:gpt:Minimum is -2; a price cannot be negative.",
                "Credits:Pricing:DataPerSymbol is -1; a price cannot be negative.",
            ],
            error.Failures);
    }
}
