using System.ComponentModel.DataAnnotations;

namespace Zmarty.Worker.Relay;

/// <summary>How the relay delivers A's symbol outbox to the receiver, bound from section <see cref="SectionName"/>.</summary>
public sealed class RelayOptions
{
    public const string SectionName = "Relay";

    /// <summary>The receiver; <c>api</c> resolves through service discovery (<c>services__api__http__0</c>).</summary>
    [Required]
    public Uri ReceiverUrl { get; set; } = new("https+http://api/hooks/watchers-upsert");

    /// <summary>
    /// The Api's <c>host:port</c> on a private network (Render's <c>fromService</c> gives exactly this, without a scheme):
    /// set, the relay delivers to <c>http://{ApiHostPort}/hooks/watchers-upsert</c> in place of <see cref="ReceiverUrl"/>.
    /// Blank is unset.
    /// </summary>
    public string? ApiHostPort { get; set; }

    /// <summary>The receiver on <see cref="ApiHostPort"/>, or null when that is unset or not a host and port.</summary>
    internal Uri? PrivateReceiverUrl()
    {
        const string path = "/hooks/watchers-upsert";
        var hostPort = ApiHostPort?.Trim();
        return string.IsNullOrEmpty(hostPort) || !hostPort.Contains(':', StringComparison.Ordinal)
            || !Uri.TryCreate($"http://{hostPort}{path}", UriKind.Absolute, out var url) || url.AbsolutePath != path || url.Query != ""
            ? null
            : url;
    }

    /// <summary>Loops that each claim a batch and deliver it; while one delivers, another claims the next keys.</summary>
    [Range(1, 64)]
    public int Lanes { get; set; } = 4;

    /// <summary>Events claimed at once by one lane (at most one per key).</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 50;

    /// <summary>
    /// Events one POST may carry: more than one go as a BATCH the receiver applies in one transaction; 1 sends each event
    /// on its own. Keep it within the receiver's <c>Webhooks__MaxEventsPerDelivery</c>.
    /// </summary>
    [Range(1, 1000)]
    public int EventsPerDelivery { get; set; } = 25;

    /// <summary>Payload bytes one POST may carry; keep it under the receiver's <c>Webhooks__MaxBodyBytes</c>.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxDeliveryBytes { get; set; } = 48 * 1024;

    /// <summary>HTTP deliveries in flight across all lanes.</summary>
    [Range(1, 1024)]
    public int MaxConcurrentDeliveries { get; set; } = 32;

    /// <summary>Polling fallback: how often the relay looks for due events without a notification.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>One delivery attempt's time limit (the receiver itself answers within 1 s).</summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The median delay before the first retry of a failed delivery; later ones grow exponentially, with jitter.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay between two attempts of one event.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Delivered events are deleted once they are older than this.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often delivered events past <see cref="Retention"/> are deleted.</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The longest wait before a crashed relay task (a lane, the listener, ...) is started again.</summary>
    public TimeSpan MaxRestartDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the pending count and the oldest pending age are read for the metrics.</summary>
    public TimeSpan MetricsInterval { get; set; } = TimeSpan.FromSeconds(5);
}
