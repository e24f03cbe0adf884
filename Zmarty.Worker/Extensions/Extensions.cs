using Microsoft.Extensions.Options;
using Zmarty.Trading.Signals;
using Zmarty.Trading.Sizing;
using Zmarty.Worker.Queues;

namespace Zmarty.Worker.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        // The queue consumers work on B; the symbol relay reads A's outbox.
        builder.AddNpgsqlDataSource("trading");
        builder.AddNpgsqlDataSource("chat");

        builder.Services.AddValidatedOptions<SignalScoringOptions, SignalScoringOptionsValidator>(SignalScoringOptions.SectionName);
        builder.Services.AddValidatedOptions<DoublingOptions, DoublingOptionsValidator>(DoublingOptions.SectionName);

        builder.AddQueueConsumers();
    }

    /// <summary>
    /// Binds <typeparamref name="TOptions"/> to <paramref name="section"/> and checks it when the host starts, before
    /// anything runs: a value that does not parse, a key the type does not have (a typo would otherwise be ignored
    /// silently) or a value the validator refuses stops the start with a message naming the key.
    /// </summary>
    internal static void AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddOptions<TOptions>()
            .BindConfiguration(section, binder => binder.ErrorOnUnknownConfiguration = true)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
    }
}
