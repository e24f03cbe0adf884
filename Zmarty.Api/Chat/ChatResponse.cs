namespace Zmarty.Api.Chat;

/// <summary>
/// The JSON reply of <c>POST /chat</c> (docs/domain.md §6); serialised in snake_case. <c>conversation_id</c> is the
/// conversation the turn was added to: the one asked for, or the one this question started.
/// </summary>
public sealed record ChatResponse(
    string Provider,
    string Text,
    ChatUsage Usage,
    int CreditsCharged,
    long CreditsRemaining,
    string? AudioUrl,
    ChatMetadata Metadata,
    Guid ConversationId);

/// <summary><c>output_tokens</c> is what was billed as output; <c>reasoning_tokens</c>, how many of them the model reasoned.</summary>
public sealed record ChatUsage(int InputTokens, int OutputTokens, int TotalTokens, int ReasoningTokens);

/// <summary>
/// <c>latency_ms</c> is the whole request; <c>overhead_ms</c> is Zmarty's own part of it (the total less
/// <c>provider_ms</c>, the time spent waiting on providers). <c>fallback_from</c> lists the providers that
/// failed or were skipped first; <c>usage_estimated</c> is true when the provider never reported usage.
/// </summary>
public sealed record ChatMetadata(
    double LatencyMs,
    double OverheadMs,
    double ProviderMs,
    string ModelVersion,
    DateTimeOffset Timestamp,
    string RequestId,
    string FinishReason,
    IReadOnlyList<string> FallbackFrom,
    bool UsageEstimated,
    bool Replayed);
