using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Metrics;
using Zmarty.Webhooks;

namespace Zmarty.Api.Webhooks;

internal static class WebhooksExtensions
{
    /// <summary>The symbol webhook receiver and the reconciler. Needs the <c>chat</c> and <c>trading</c> data sources.</summary>
    public static void AddWebhooks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WebhookOptions>()
            .Bind(builder.Configuration.GetSection(WebhookOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => StandardWebhooks.TryParseSecret(o.Secret, out _),
                "Webhooks:Secret must be a Standard Webhooks secret: " + StandardWebhooks.SecretFormat + ".")
            .Validate(o => string.IsNullOrEmpty(o.PreviousSecret) || StandardWebhooks.TryParseSecret(o.PreviousSecret, out _),
                "Webhooks:PreviousSecret, when set, must be " + StandardWebhooks.SecretFormat + ".")
            .Validate(o => o.TimestampTolerance > TimeSpan.Zero && o.Budget > TimeSpan.Zero && o.IngestFreshness > TimeSpan.Zero,
                "Webhooks:TimestampTolerance, Budget and IngestFreshness must be positive.")
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<WatcherStore>();
        builder.Services.AddSingleton<WebhookReceiver>();
        builder.Services.AddSingleton<SymbolReconciler>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(WebhookReceiver.MeterName));
    }
}
