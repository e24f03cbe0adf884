using Zmarty.Trading.Signals;
using Zmarty.Trading.Sizing;
using Zmarty.Worker.Relay;

namespace Zmarty.Worker.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        // The queue consumers work on B; the symbol relay reads A's outbox.
        builder.AddNpgsqlDataSource("trading");
        builder.AddNpgsqlDataSource("chat");

        builder.Services.Configure<SignalScoringOptions>(builder.Configuration.GetSection(SignalScoringOptions.SectionName));
        builder.Services.Configure<DoublingOptions>(builder.Configuration.GetSection(DoublingOptions.SectionName));

        builder.AddSymbolRelay();
    }
}
