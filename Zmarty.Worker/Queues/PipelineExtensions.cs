using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Npgsql;
using Polly;
using Zmarty.Worker.Clients;
using Zmarty.Worker.Extensions;
using Zmarty.Worker.Ingestion;
using Zmarty.Worker.RiskGrids;
using Zmarty.Worker.Signals;
using Zmarty.Worker.WinRates;

namespace Zmarty.Worker.Queues;

internal static class PipelineExtensions
{
    /// <summary>The market-data clients and one consumer per queue: ingest_indicators, compute_signals, compute_winrate.</summary>
    public static void AddQueueConsumers(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddTimeProvider();
        services.AddValidatedOptions<QueueOptions, QueueOptionsValidator>(QueueOptions.SectionName);
        services.AddValidatedOptions<WinRateOptions, WinRateOptionsValidator>(WinRateOptions.SectionName);
        services.AddProvider<CryptometerClient, CryptometerOptions>(CryptometerOptions.SectionName);
        services.AddProvider<KingFisherClient, KingFisherOptions>(KingFisherOptions.SectionName);
        services.AddSingleton<KingFisherSession>();
        services.AddSingleton<MarketTrendCache>();
        services.AddValidatedOptions<RiskGridOptions, RiskGridOptionsValidator>(RiskGridOptions.SectionName);
        // The owner's Supabase, where King Fisher's clusters come from too: read a few times a day, so no budget or gate.
        services.AddHttpClient<RiskGridClient>((provider, http) =>
            http.BaseAddress = BaseAddress(provider.GetRequiredService<IOptions<KingFisherOptions>>().Value));
        services.AddSingleton<RiskGridCache>();
        services.AddSingleton<QueueTracing>();

        services.AddConsumer<IngestIndicatorsJob>();
        services.AddConsumer<ComputeSignalsJob>();
        services.AddConsumer<ComputeWinRateJob>();
    }

    // Relative paths resolve under the base only when it ends in a slash.
    private static Uri BaseAddress(ProviderOptions options)
    {
        var url = options.BaseUrl!.ToString();
        return new Uri(url.EndsWith('/') ? url : url + "/");
    }

    private static void TryAddTimeProvider(this IServiceCollection services)
    {
        if (services.All(s => s.ServiceType != typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }

    private static void AddConsumer<TJob>(this IServiceCollection services)
        where TJob : class, IQueueJob
    {
        services.AddSingleton<TJob>();
        services.AddSingleton<IHostedService>(provider =>
        {
            var job = provider.GetRequiredService<TJob>();
            return ActivatorUtilities.CreateInstance<QueueConsumer>(
                provider, job, new PgmqQueue(provider.GetRequiredKeyedService<NpgsqlDataSource>("trading"), job.Queue));
        });
    }

    /// <summary>
    /// A typed client for one provider key. Its pipeline, outermost first: retries (Retry-After honoured, else
    /// exponential), the key's gate (the rate window, pause after a 429 and monthly budget, kept in B for every
    /// Worker), then the per-call timeout, so waiting for the rate limit never counts against a call's time.
    /// </summary>
    private static void AddProvider<TClient, TOptions>(this IServiceCollection services, string section)
        where TClient : class
        where TOptions : ProviderOptions
    {
        services.AddValidatedOptions<TOptions, ProviderOptionsValidator<TOptions>>(section);
        services.TryAddSingleton<IProviderSlots>(provider =>
            new TradingProviderSlots(provider.GetRequiredKeyedService<NpgsqlDataSource>("trading")));
        services.AddKeyedSingleton(section, (provider, _) => new ProviderGate(
            section.ToLowerInvariant(),
            provider.GetRequiredService<IOptions<TOptions>>().Value,
            provider.GetRequiredService<IProviderSlots>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILoggerFactory>().CreateLogger<ProviderGate>()));

        var client = services.AddHttpClient<TClient>((provider, http) =>
                http.BaseAddress = BaseAddress(provider.GetRequiredService<IOptions<TOptions>>().Value));

        // The service defaults' standard handler would wrap the rate-limit wait in its call timeout; this pipeline replaces it.
#pragma warning disable EXTEXP0001
        client.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        client.AddResilienceHandler("retry", (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<TOptions>>().Value;
                if (options.MaxRetries > 0)
                {
                    pipeline.AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = options.MaxRetries,
                        Delay = TimeSpan.FromMilliseconds(options.RetryDelayMilliseconds),
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                        ShouldRetryAfterHeader = true,
                    });
                }
            });
        client.AddHttpMessageHandler(provider => new ProviderGateHandler(
                provider.GetRequiredKeyedService<ProviderGate>(section), provider.GetRequiredService<TimeProvider>()));
        client.AddResilienceHandler("attempt", (pipeline, context) => pipeline.AddTimeout(
                TimeSpan.FromSeconds(context.ServiceProvider.GetRequiredService<IOptions<TOptions>>().Value.AttemptTimeoutSeconds)));
    }
}
