using Zmarty.Trading.Signals;
using Zmarty.Trading.Sizing;
using Zmarty.Worker.Queues;
using Zmarty.Worker.Relay;

namespace Zmarty.Worker.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        // The queue consumers work on B; the symbol relay reads A's outbox.
        builder.AddSupabaseDataSource("trading");
        builder.AddSupabaseDataSource("chat");

        builder.Services.AddValidatedOptions<SignalScoringOptions, SignalScoringOptionsValidator>(SignalScoringOptions.SectionName);
        builder.Services.AddValidatedOptions<DoublingOptions, DoublingOptionsValidator>(DoublingOptions.SectionName);

        builder.AddSymbolRelay();
        builder.AddQueueConsumers();
    }
}
