namespace Zmarty.Api.Limits;

/// <summary>What a subscription tier allows (docs/domain.md §1), by tier name (section <c>Tiers</c>).</summary>
public sealed class TierLimits
{
    /// <summary>The reply's max output tokens, and the ceiling on a message's (estimated) tokens.</summary>
    public int MaxTokens { get; set; }

    public int RequestsPerMinute { get; set; }

    /// <summary>Chats one user may have running at once.</summary>
    public int Concurrent { get; set; }

    public bool Voice { get; set; }

    /// <summary>
    /// The most a fallback model may cost this user for one request, in the worst case: the router
    /// never moves a request to a model that could cost more than this (or than the user has).
    /// </summary>
    public int FallbackPriceCap { get; set; }
}

public sealed class TierOptions
{
    public const string SectionName = "Tiers";

    public Dictionary<string, TierLimits> Tiers { get; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["free"] = new() { MaxTokens = 1024, RequestsPerMinute = 10, Concurrent = 2, Voice = false, FallbackPriceCap = 12 },
        ["pro"] = new() { MaxTokens = 4096, RequestsPerMinute = 100, Concurrent = 10, Voice = true, FallbackPriceCap = 60 },
        ["enterprise"] = new() { MaxTokens = 8192, RequestsPerMinute = 1000, Concurrent = 50, Voice = true, FallbackPriceCap = 120 },
    };

    /// <summary>
    /// The user's limits: the tier's, raised where the profile's own columns say more (an operator can
    /// give one user more than the tier without a new tier; the columns' defaults equal the free tier).
    /// </summary>
    public TierLimits For(string tier, int profileMaxTokens, int profileRequestsPerMinute)
    {
        var limits = Tiers.TryGetValue(tier, out var known) ? known : Tiers["free"];
        return new TierLimits
        {
            MaxTokens = Math.Max(limits.MaxTokens, profileMaxTokens),
            RequestsPerMinute = Math.Max(limits.RequestsPerMinute, profileRequestsPerMinute),
            Concurrent = limits.Concurrent,
            Voice = limits.Voice,
            FallbackPriceCap = limits.FallbackPriceCap,
        };
    }
}
