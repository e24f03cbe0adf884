using Microsoft.Extensions.Options;

namespace Zmarty.Worker.Clients;

/// <summary>Where a market-data provider is, the key it wants, and how hard the Worker may call it.</summary>
public abstract class ProviderOptions
{
    /// <summary>The API's root, e.g. <c>https://api.cryptometer.io/</c>; the AppHost points it at the emulators.</summary>
    public Uri? BaseUrl { get; set; }

    public string ApiKey { get; set; } = "";

    /// <summary>Requests allowed per <see cref="WindowSeconds"/> for this key; 0 lifts the limit (benchmarks against the emulators).</summary>
    public int RequestsPerWindow { get; set; } = 20;

    public int WindowSeconds { get; set; } = 5;

    /// <summary>Retries of a failed call (5xx, timeout, 429) within one job; a 429's Retry-After sets the wait.</summary>
    public int MaxRetries { get; set; } = 2;

    /// <summary>First retry delay without a Retry-After; it doubles per retry.</summary>
    public int RetryDelayMilliseconds { get; set; } = 500;

    /// <summary>One call's time limit, not counting the wait for the rate limit.</summary>
    public int AttemptTimeoutSeconds { get; set; } = 8;
}

public sealed class CryptometerOptions : ProviderOptions
{
    public const string SectionName = "Cryptometer";

    /// <summary>The spot exchange whose candles, ticker and trend are read (<c>e</c>).</summary>
    public string Exchange { get; set; } = "binance";

    /// <summary>The futures exchange of the long/short ratio.</summary>
    public string FuturesExchange { get; set; } = "binance_futures";
}

public sealed class KingFisherOptions : ProviderOptions
{
    public const string SectionName = "KingFisher";

    public string Exchange { get; set; } = "binance";

    /// <summary>The map <c>type</c> King Fisher draws.</summary>
    public string MapType { get; set; } = "liquidation";
}

/// <summary>The rules every provider's options follow; the host checks them at start.</summary>
public sealed class ProviderOptionsValidator<TOptions> : IValidateOptions<TOptions>
    where TOptions : ProviderOptions
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var section = typeof(TOptions).Name.Replace("Options", "", StringComparison.Ordinal);
        List<string> failures = [];
        if (options.BaseUrl is not { IsAbsoluteUri: true } url || url.Scheme is not ("http" or "https"))
        {
            failures.Add($"{section}:BaseUrl must be an absolute http(s) URL, got '{options.BaseUrl}'.");
        }

        if (string.IsNullOrWhiteSpace(options.ApiKey))
        {
            failures.Add($"{section}:ApiKey is required.");
        }

        if (options.RequestsPerWindow < 0 || options.WindowSeconds <= 0 || options.MaxRetries < 0
            || options.RetryDelayMilliseconds < 0 || options.AttemptTimeoutSeconds <= 0)
        {
            failures.Add($"{section}: RequestsPerWindow, MaxRetries and RetryDelayMilliseconds must be 0 or more, WindowSeconds and AttemptTimeoutSeconds above 0.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
