using System.ComponentModel.DataAnnotations;

namespace Zmarty.AdminUi.Auth;

/// <summary>The <c>Admin</c> section: the operator's password and how the pages poll.</summary>
public sealed class AdminOptions : IValidatableObject
{
    public const string Section = "Admin";

    /// <summary>The operator's password (<c>Admin__Password</c>); the AppHost generates one locally.</summary>
    [Required, MinLength(12)]
    public string Password { get; set; } = "";

    /// <summary>How long a login lasts without activity (sliding).</summary>
    [Range(typeof(TimeSpan), "00:05:00", "7.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>
    /// Addresses of the reverse proxies in front of the AdminUi (<c>Admin__KnownProxies__0</c>, ...): their
    /// <c>X-Forwarded-For</c> gives the client address the login throttle counts. Empty: no header is trusted.
    /// </summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks of such proxies, in CIDR (<c>10.0.0.0/8</c>).</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>How often each shared poll reads B (and A) while a page shows its data.</summary>
    [Range(typeof(TimeSpan), "00:00:00.200", "00:05:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long after a bar closes its data may take to arrive before the pair is listed as stale: the ingestion cron runs
    /// every 5 minutes, so 15 allows three missed runs. Judged per timeframe: a 4h pair is late only once a 4h bar it lacks
    /// closed that long ago.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromMinutes(15);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (proxy, index) in KnownProxies.Select((p, i) => (p, i)))
        {
            if (!System.Net.IPAddress.TryParse(proxy, out _))
            {
                yield return new ValidationResult(
                    $"Admin:KnownProxies:{index} is '{proxy}'; it must be an IP address.", [nameof(KnownProxies)]);
            }
        }

        foreach (var (network, index) in KnownNetworks.Select((n, i) => (n, i)))
        {
            if (!System.Net.IPNetwork.TryParse(network, out _))
            {
                yield return new ValidationResult(
                    $"Admin:KnownNetworks:{index} is '{network}'; it must be a CIDR network like 10.0.0.0/8.", [nameof(KnownNetworks)]);
            }
        }
    }
}
