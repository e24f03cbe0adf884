using System.ComponentModel.DataAnnotations;

namespace Zmarty.Api.Health;

/// <summary>
/// The <c>Health</c> section: how often <c>GET /healthz</c> probes and how long it waits. What it probes follows the
/// <c>Chat</c> and <c>Voice</c> settings (<see cref="ProbeTarget"/>): the endpoints, keys and models the Api calls.
/// </summary>
public sealed class HealthzOptions
{
    public const string Section = "Health";

    /// <summary>How often each provider is probed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A provider that has not answered within this is reported unreachable.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one report is served before it is computed again; 0 computes it on every request.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan CacheFor { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A database that has not answered <c>select 1</c> within this is reported down.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan DatabaseTimeout { get; set; } = TimeSpan.FromSeconds(3);
}
