namespace Zmarty.Worker.Clients;

/// <summary>Why a provider gave no usable answer. Every kind here is permanent: asking again gets the same answer.</summary>
public enum ProviderFailure
{
    /// <summary>
    /// Cryptometer's <c>"success":"false"</c> with "No Data", "No Liquidation" or "No updates!": the provider has
    /// nothing for this request, which is an absence, not a fault.
    /// </summary>
    NoData,

    /// <summary>The symbol cannot be asked for at all (no base/quote, or a timeframe the provider does not serve).</summary>
    UnknownSymbol,

    /// <summary>A timeframe the provider does not serve (Cryptometer has no 1m or 1w).</summary>
    UnsupportedTimeframe,

    /// <summary>HTTP 401/403: a bad path, parameter, key or plan.</summary>
    Forbidden,

    /// <summary>The envelope says <c>"success":"false"</c> with another message, or another 4xx.</summary>
    Rejected,

    /// <summary>The answer does not have the documented shape.</summary>
    Malformed,

    /// <summary>The key's monthly call budget is spent: no call was made (<see cref="ProviderOptions.MonthlyCallBudget"/>).</summary>
    BudgetSpent,
}

/// <summary>
/// A provider answered, but not with data: the message says which endpoint and what the provider said. Transient
/// faults (5xx, timeouts, 429 after its waits) surface as <see cref="HttpRequestException"/> or timeouts instead.
/// </summary>
public sealed class ProviderException(ProviderFailure failure, string endpoint, string message)
    : Exception($"{endpoint}: {failure}: {message}")
{
    public ProviderFailure Failure { get; } = failure;

    public string Endpoint { get; } = endpoint;
}
