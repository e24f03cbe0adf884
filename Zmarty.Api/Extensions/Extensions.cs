using Zmarty.Api.Credits;
using Zmarty.Api.Health;

namespace Zmarty.Api.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        // The Api reads users, symbols and credits from A and trading data from B.
        builder.AddNpgsqlDataSource("chat");
        builder.AddNpgsqlDataSource("trading");

        // A bad price stops the start, naming its key, instead of failing the first chat request.
        builder.Services.AddValidatedOptions<CreditPricingOptions, CreditPricingOptionsValidator>(CreditPricingOptions.SectionName);

        builder.AddHealthz();
    }
}
