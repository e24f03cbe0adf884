using System.ComponentModel.DataAnnotations;

namespace Zmarty.Api.Chat;

/// <summary>One model provider: an OpenAI-compatible endpoint (docs/domain.md §7) and the model asked for.</summary>
public sealed class ProviderOptions
{
    /// <summary>The vendor's OpenAI-compatible base URL; unset: the vendor's real URL when an API key is set, else the emulators.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The vendor's API key; unset locally, where the emulators answer.</summary>
    public string? ApiKey { get; set; }

    [Required]
    public string Model { get; set; } = "";

    /// <summary>The vendor's real base URL, used when an API key is set and no endpoint is.</summary>
    public Uri? VendorEndpoint { get; set; }

    /// <summary>The emulators' path prefix for this vendor (<c>xai</c>, <c>openai</c>, <c>anthropic</c>).</summary>
    public string EmulatorPath { get; set; } = "";

    /// <summary>The OpenTelemetry GenAI <c>gen_ai.provider.name</c> (<c>x_ai</c>, <c>openai</c>, <c>anthropic</c>).</summary>
    public string GenAiProvider { get; set; } = "";

    /// <summary>
    /// Whether the vendor reports reasoning tokens beside <c>completion_tokens</c> rather than inside them (xAI does;
    /// OpenAI counts them in). Either way they are billed as output: the vendor charges them as output.
    /// </summary>
    public bool ReasoningTokensSeparate { get; set; }

    /// <summary>Where calls go: <see cref="Endpoint"/>, else the vendor with a key, else <paramref name="emulators"/>.</summary>
    public Uri ResolveEndpoint(string emulators) =>
        Endpoint
        ?? (string.IsNullOrEmpty(ApiKey) ? null : VendorEndpoint)
        ?? new Uri($"{emulators.TrimEnd('/')}/{EmulatorPath}/v1");
}

/// <summary>Timeouts and circuit breaking per provider (Polly), and the fallback order.</summary>
public sealed class RouterOptions
{
    /// <summary>The provider used when a request names none.</summary>
    public string Default { get; set; } = "grok";

    /// <summary>The order fallbacks are tried in, after the provider asked for.</summary>
    public List<string> Order { get; set; } = ["grok", "gpt", "claude"];

    /// <summary>How long a provider may take to answer (JSON), to its first token, or between two tokens (stream).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The circuit opens when this share of a provider's calls in <see cref="SamplingDuration"/> failed...</summary>
    [Range(0.01, 1.0)]
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>...and there were at least this many calls.</summary>
    [Range(2, int.MaxValue)]
    public int MinimumThroughput { get; set; } = 8;

    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit skips the provider before one call tries it again.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>What a tier's chats carry of their conversation (section <c>Chat:Tiers:&lt;tier&gt;</c>).</summary>
public sealed class ChatTierOptions
{
    /// <summary>
    /// The most tokens (o200k_base, 4 more a message) of earlier turns sent with a question; the oldest go first.
    /// Every one of them is input the user pays for, and the hold holds them in full.
    /// </summary>
    [Range(0, 1_000_000)]
    public int HistoryTokens { get; set; }
}

/// <summary>The chat endpoint's settings (section <c>Chat</c>).</summary>
public sealed class ChatOptions
{
    public const string SectionName = "Chat";

    public RouterOptions Router { get; set; } = new();

    /// <summary>Providers by the name the contract and the ledger use: grok, gpt, claude.</summary>
    public Dictionary<string, ProviderOptions> Providers { get; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["grok"] = new()
        {
            Model = "grok-3-mini", VendorEndpoint = new("https://api.x.ai/v1"), EmulatorPath = "xai", GenAiProvider = "x_ai",
            ReasoningTokensSeparate = true,
        },
        // gpt-4o-mini shuts down on 2027-01-14; OpenAI names gpt-6-luna as its replacement (a reasoning model).
        ["gpt"] = new()
        {
            Model = "gpt-6-luna", VendorEndpoint = new("https://api.openai.com/v1"), EmulatorPath = "openai", GenAiProvider = "openai",
        },
        // claude-3-5-haiku-latest was retired on 2026-02-19.
        ["claude"] = new()
        {
            Model = "claude-haiku-4-5", VendorEndpoint = new("https://api.anthropic.com/v1/"), EmulatorPath = "anthropic",
            GenAiProvider = "anthropic",
        },
    };

    /// <summary>
    /// The longest a streamed reply runs after its first token; then it is cut and charged for what was
    /// delivered. Checked at start against <c>Credits:HoldLifetime</c>, which must outlast a whole reply.
    /// </summary>
    public TimeSpan MaxReplyDuration { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>
    /// History budgets by tier. Sized so a continued chat's worst case (the tier's max output tokens, the budget and
    /// a few symbol lines) still fits the tier's fallback price cap at GPT's and Claude's rates (3 and 10 credits per
    /// 1k): pro's 60 leaves about 5,600 input tokens, enterprise's 120 about 12,000. Free never falls back to them, so
    /// its budget is what a free user can afford on the signup bonus: 2 extra credits a question at Grok's rate.
    /// </summary>
    public Dictionary<string, ChatTierOptions> Tiers { get; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["free"] = new() { HistoryTokens = 2_000 },
        ["pro"] = new() { HistoryTokens = 4_000 },
        ["enterprise"] = new() { HistoryTokens = 8_000 },
    };

    /// <summary>The history budget of <paramref name="tier"/>; an unknown tier gets the free tier's, as its limits do.</summary>
    public int HistoryTokensFor(string tier) =>
        (Tiers.TryGetValue(tier, out var known) ? known : Tiers.GetValueOrDefault("free"))?.HistoryTokens ?? 0;

    /// <summary>How long a conversation nobody has added to is kept, with its messages (the ledger keeps its rows).</summary>
    [Range(1, 36_500)]
    public int ConversationRetentionDays { get; set; } = 365;

    /// <summary>The largest request body read; a bigger one is refused with 413 before it is parsed.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 64 * 1024;
}
