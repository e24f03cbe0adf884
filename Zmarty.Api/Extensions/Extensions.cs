using Microsoft.Extensions.Options;
using Zmarty.Api.Credits;

namespace Zmarty.Api.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        // The Api reads users, symbols and credits from A and trading data from B.
        builder.AddNpgsqlDataSource("chat");
        builder.AddNpgsqlDataSource("trading");

        // Checked when the host starts: a price that does not parse, an unknown key or a negative price stops the
        // start with a message naming the key, instead of failing the first chat request.
        builder.Services.AddOptions<CreditPricingOptions>()
            .BindConfiguration(CreditPricingOptions.SectionName, binder => binder.ErrorOnUnknownConfiguration = true)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<CreditPricingOptions>, CreditPricingOptionsValidator>();
    }
}
