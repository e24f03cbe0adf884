using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Metrics;
using Zmarty.Webhooks;

namespace Zmarty.Worker.Relay;

internal static class RelayExtensions
{
    /// <summary>
    /// The symbol relay: A's outbox delivered as signed webhooks to the Api's receiver. Needs the <c>chat</c> data source.
    /// </summary>
    public static void AddSymbolRelay(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RelayOptions>()
            .Bind(builder.Configuration.GetSection(RelayOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(
                o => new[]
                    {
                        o.PollInterval, o.DeliveryTimeout, o.FirstRetryDelay, o.MaxRetryDelay, o.Retention, o.PruneInterval,
                        o.MetricsInterval,
                    }.All(t => t > TimeSpan.Zero),
                "Relay intervals, delays, timeouts and the retention must be positive.")
            .Validate(
                o => string.IsNullOrWhiteSpace(o.ApiHostPort) || o.PrivateReceiverUrl() is not null,
                "Relay:ApiHostPort must be the Api's host and port (zmarty-api:10000), without a scheme or path.")
            .PostConfigure(o => o.ReceiverUrl = o.PrivateReceiverUrl() ?? o.ReceiverUrl)
            .ValidateOnStart();
        builder.Services.AddOptions<WebhookSigningOptions>()
            .Bind(builder.Configuration.GetSection(WebhookSigningOptions.SectionName))
            .Validate(
                o => StandardWebhooks.TryParseSecret(o.Secret, out _),
                "Webhooks:Secret must be a Standard Webhooks secret: " + StandardWebhooks.SecretFormat + ".")
            .ValidateOnStart();

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<RelayMetrics>();
        builder.Services.AddHostedService<OutboxRelay>();
        // Retries are the outbox's (persisted backoff per event), and a delivery holds its batch's row
        // locks: the default handler's in-process retries and circuit breaker would only hold them longer.
        // RemoveAllResilienceHandlers is marked experimental; it is the documented way to opt one client out.
#pragma warning disable EXTEXP0001
        // The relay holds one client for its lifetime, so connections are recycled instead of the
        // handler: an Api that moves (new address behind the same name) is found within minutes.
        builder.Services.AddHttpClient<WebhookDelivery>()
            .UseSocketsHttpHandler((handler, _) => handler.PooledConnectionLifetime = TimeSpan.FromMinutes(2))
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(RelayMetrics.MeterName));
    }
}
