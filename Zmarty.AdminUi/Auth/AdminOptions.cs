using System.ComponentModel.DataAnnotations;

namespace Zmarty.AdminUi.Auth;

/// <summary>The <c>Admin</c> section: the operator's password and how the pages poll.</summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";

    /// <summary>The operator's password (<c>Admin__Password</c>); the AppHost generates one locally.</summary>
    [Required, MinLength(12)]
    public string Password { get; set; } = "";

    /// <summary>How long a login lasts without activity (sliding).</summary>
    [Range(typeof(TimeSpan), "00:05:00", "7.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>How often each shared poll reads B (and A) while a page shows its data.</summary>
    [Range(typeof(TimeSpan), "00:00:00.200", "00:05:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>An active symbol whose newest indicator is older than this is listed as stale (three missed ingestion runs by default).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromMinutes(15);
}
