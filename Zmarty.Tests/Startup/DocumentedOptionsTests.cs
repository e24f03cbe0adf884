using System.Text.RegularExpressions;
using Zmarty.AdminUi.Auth;
using Zmarty.Api.Credits;
using Zmarty.Api.Health;
using Zmarty.ServiceDefaults.ErrorLog;
using Zmarty.Trading.Signals;
using Zmarty.Trading.Sizing;

namespace Zmarty.Tests.Startup;

public sealed partial class DocumentedOptionsTests
{
    /// <summary>
    /// Every option variable docs/env.md names is one the service binds, and every options type
    /// is documented there; a renamed option fails here.
    /// </summary>
    [Fact]
    public void Every_option_variable_in_the_environment_reference_exists()
    {
        var types = new Dictionary<string, Type>
        {
            [SignalScoringOptions.SectionName] = typeof(SignalScoringOptions),
            [DoublingOptions.SectionName] = typeof(DoublingOptions),
            [CreditPricingOptions.SectionName] = typeof(CreditPricingOptions),
            [AdminOptions.Section] = typeof(AdminOptions),
            [HealthzOptions.Section] = typeof(HealthzOptions),
            [ErrorLogOptions.Section] = typeof(ErrorLogOptions),
        };
        var reference = Checkout.ReadFile("docs/env.md");

        var variables = OptionVariable().Matches(reference)
            .Select(m => (Section: m.Groups["section"].Value.Replace("__", ":", StringComparison.Ordinal), Option: m.Groups["option"].Value))
            .ToList();

        Assert.Equal(types.Keys.Order(StringComparer.Ordinal), variables.Select(v => v.Section).Distinct().Order(StringComparer.Ordinal));
        Assert.All(variables, v => Assert.True(
            v.Option == "<Option>" || types[v.Section].GetProperty(v.Option) is not null,
            $"docs/env.md names {v.Section}:{v.Option}, which {types[v.Section].Name} does not have."));
    }

    [GeneratedRegex(@"\b(?<section>Trading__(?:Signals|Doubling)|Credits__Pricing|Admin|Health|ErrorLog)__(?<option><Option>|[A-Za-z0-9]+)")]
    private static partial Regex OptionVariable();
}
