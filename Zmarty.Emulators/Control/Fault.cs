using System.Text.Json.Serialization;

namespace Zmarty.Emulators.Control;

/// <summary>How an emulated provider misbehaves, set by a test through <c>PUT /control/{provider}</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FaultMode>))]
public enum FaultMode
{
    /// <summary>Answers normally (after <see cref="Fault.LatencyMs"/>).</summary>
    [JsonStringEnumMemberName("ok")]
    Ok,

    /// <summary>Answers with <see cref="Fault.Status"/> (500 by default) and the vendor's error body.</summary>
    [JsonStringEnumMemberName("fail")]
    Fail,

    /// <summary>Accepts the request and never answers, until the client gives up.</summary>
    [JsonStringEnumMemberName("stall")]
    Stall,

    /// <summary>429 with a Retry-After header and the vendor's rate-limit body.</summary>
    [JsonStringEnumMemberName("rate_limit")]
    RateLimit,

    /// <summary>Sends <see cref="Fault.BreakAfter"/> pieces of the answer, then drops the connection.</summary>
    [JsonStringEnumMemberName("break_stream")]
    BreakStream,

    /// <summary>
    /// Sends <see cref="Fault.BreakAfter"/> pieces of the answer, then a piece whose JSON escapes a lone surrogate
    /// (<c>"\ud800"</c>): valid JSON, invalid Unicode, which a client's JSON reader refuses.
    /// </summary>
    [JsonStringEnumMemberName("lone_surrogate")]
    LoneSurrogate,
}

/// <summary>A provider's fault plan. <see cref="Times"/> limits it to the next N requests; null keeps it until reset.</summary>
public sealed record Fault
{
    public static readonly Fault None = new();

    public FaultMode Mode { get; init; } = FaultMode.Ok;

    /// <summary>Delay before the first byte of every answer, in milliseconds.</summary>
    [JsonPropertyName("latency_ms")]
    public int LatencyMs { get; init; }

    /// <summary>Delay between streamed pieces, in milliseconds.</summary>
    [JsonPropertyName("token_latency_ms")]
    public int TokenLatencyMs { get; init; }

    /// <summary>HTTP status of <see cref="FaultMode.Fail"/>.</summary>
    public int Status { get; init; } = 500;

    /// <summary>Pieces sent before <see cref="FaultMode.BreakStream"/> drops the connection.</summary>
    [JsonPropertyName("break_after")]
    public int BreakAfter { get; init; } = 3;

    /// <summary>How many answers the plan applies to before the provider behaves again; null: until reset.</summary>
    public int? Times { get; init; }

    /// <summary>The error message of <see cref="FaultMode.Fail"/>; null: a generic one.</summary>
    public string? Message { get; init; }

    /// <summary>Answers without a <c>usage</c> block (JSON) or usage chunk (stream), as some compatible endpoints do.</summary>
    [JsonPropertyName("omit_usage")]
    public bool OmitUsage { get; init; }

    /// <summary>Length of generated replies in tokens (before the caller's max tokens); null: the emulator's default.</summary>
    [JsonPropertyName("reply_tokens")]
    public int? ReplyTokens { get; init; }

    /// <summary>
    /// The reply's text instead of the generated one, split into tokens the usual way (cut by the caller's max tokens),
    /// so a test can make a provider say what a real one might, U+0000 included; null: the generated text.
    /// </summary>
    [JsonPropertyName("reply_text")]
    public string? ReplyText { get; init; }
}
