using System.ComponentModel.DataAnnotations;

namespace Zmarty.Api.Webhooks;

/// <summary>The webhook receiver's settings, bound from section <see cref="SectionName"/>.</summary>
public sealed class WebhookOptions
{
    public const string SectionName = "Webhooks";

    /// <summary>The Standard Webhooks secret deliveries are signed with: <c>whsec_</c> + base64 of at least 24 bytes.</summary>
    [Required]
    public string Secret { get; set; } = "";

    /// <summary>During a rotation, the secret being replaced: signatures under it are accepted while it is set.</summary>
    public string? PreviousSecret { get; set; }

    /// <summary>How far <c>webhook-timestamp</c> may lie in the past or the future.</summary>
    public TimeSpan TimestampTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The answer's time budget: past it the receiver cancels its work and answers 503, so the relay retries.</summary>
    public TimeSpan Budget { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Refusals of unsigned or badly signed deliveries are logged at most once per reason in this time (all are counted).
    /// </summary>
    public TimeSpan RefusalLogInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The largest body accepted; a larger one gets 400 unread.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 64 * 1024;

    /// <summary>The most changes one BATCH delivery may carry; they are applied in one transaction.</summary>
    [Range(1, 1000)]
    public int MaxEventsPerDelivery { get; set; } = 200;

    /// <summary>
    /// Market data newer than this (or than one candle of the timeframe, if longer) counts as fresh: a
    /// watcher that becomes active without it gets an <c>ingest_indicators</c> job at once. The default
    /// is two ticks of the ingestion cron.
    /// </summary>
    public TimeSpan IngestFreshness { get; set; } = TimeSpan.FromMinutes(10);
}
