using System.ComponentModel.DataAnnotations;

namespace Zmarty.Api.Health;

/// <summary>The <c>Health</c> section: what <c>GET /healthz</c> checks and how long it waits.</summary>
public sealed class HealthzOptions
{
    public const string Section = "Health";

    /// <summary>
    /// Provider name → base URL (<c>Health__Providers__grok</c>, ...), probed in the background.
    /// Unset, the emulators' paths when <c>services__emulators__http__0</c> is set, else the real APIs.
    /// </summary>
    public Dictionary<string, Uri> Providers { get; set; } = new(StringComparer.Ordinal);

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

    /// <summary>The providers the model router uses, with each one's path on the emulators and its real base URL.</summary>
    internal static readonly IReadOnlyList<(string Name, string EmulatorPath, Uri Real)> KnownProviders =
    [
        ("grok", "xai/v1", new Uri("https://api.x.ai/v1")),
        ("gpt", "openai/v1", new Uri("https://api.openai.com/v1")),
        ("claude", "anthropic/v1", new Uri("https://api.anthropic.com/v1")),
    ];

    /// <summary>Fills in every known provider the configuration leaves out.</summary>
    internal void AddDefaultProviders(string? emulators)
    {
        foreach (var (name, emulatorPath, real) in KnownProviders)
        {
            if (!Providers.ContainsKey(name))
            {
                Providers[name] = string.IsNullOrWhiteSpace(emulators)
                    ? real
                    : new Uri(new Uri(emulators.TrimEnd('/') + "/"), emulatorPath);
            }
        }
    }
}
