using Microsoft.Extensions.Options;

namespace Zmarty.Worker.Clients;

/// <summary>Where a market-data provider is, the key it wants, and how hard the Worker may call it.</summary>
public abstract class ProviderOptions
{
    /// <summary>The API's root (Cryptometer's by default); the AppHost points it at the emulators unless given a key.</summary>
    public Uri? BaseUrl { get; set; }

    public string ApiKey { get; set; } = "";

    /// <summary>
    /// Requests allowed per <see cref="WindowSeconds"/> for this key, by every Worker together (the window is kept in B);
    /// 0 lifts the limit (benchmarks against the emulators). The default is Cryptometer's free tier: 10 per 5 s (premium
    /// plans allow up to 50).
    /// </summary>
    public int RequestsPerWindow { get; set; } = 10;

    public int WindowSeconds { get; set; } = 5;

    /// <summary>
    /// Calls this key may make per calendar month (UTC), counted in B across every Worker process; 0: no budget.
    /// Once spent, calls are refused before they are made, with a log line and a warning on the admin Pipeline page.
    /// </summary>
    public long MonthlyCallBudget { get; set; }

    /// <summary>Retries of a failed call (5xx, timeout, 429) within one job; a 429's Retry-After sets the wait.</summary>
    public int MaxRetries { get; set; } = 2;

    /// <summary>First retry delay without a Retry-After; it doubles per retry.</summary>
    public int RetryDelayMilliseconds { get; set; } = 500;

    /// <summary>One call's time limit, not counting the wait for the rate limit.</summary>
    public int AttemptTimeoutSeconds { get; set; } = 8;

    /// <summary>Whether the provider is called with <see cref="ApiKey"/> (a provider may use other credentials instead).</summary>
    protected virtual bool NeedsApiKey => true;

    /// <summary>What is wrong with these settings, each as a sentence naming the setting; empty when they can be used.</summary>
    public IEnumerable<string> Problems(string section)
    {
        if (BaseUrl is not { IsAbsoluteUri: true } url || url.Scheme is not ("http" or "https"))
        {
            yield return $"{section}:BaseUrl must be an absolute http(s) URL, got '{BaseUrl}'.";
        }

        if (NeedsApiKey && string.IsNullOrWhiteSpace(ApiKey))
        {
            yield return $"{section}:ApiKey is required.";
        }

        if (RequestsPerWindow < 0 || WindowSeconds <= 0 || MaxRetries < 0 || RetryDelayMilliseconds < 0 || AttemptTimeoutSeconds <= 0
            || MonthlyCallBudget < 0)
        {
            yield return $"{section}: RequestsPerWindow, MaxRetries, RetryDelayMilliseconds and MonthlyCallBudget must be 0 or more, "
                + "WindowSeconds and AttemptTimeoutSeconds above 0.";
        }

        foreach (var problem in MoreProblems(section))
        {
            yield return problem;
        }
    }

    protected virtual IEnumerable<string> MoreProblems(string section) => [];
}

public sealed class CryptometerOptions : ProviderOptions
{
    public const string SectionName = "Cryptometer";

    /// <summary>The spot exchange whose candles, ticker and trend are read (<c>e</c>).</summary>
    public string Exchange { get; set; } = "binance";

    /// <summary>The futures exchange of the long/short ratio.</summary>
    public string FuturesExchange { get; set; } = "binance_futures";

    /// <summary>
    /// How long one reading of the market-wide <c>/trend-indicator-v3/</c> serves every pair: one call per ingestion
    /// cycle (the cron enqueues every 5 minutes), not one per pair.
    /// </summary>
    public int MarketWideRefreshMinutes { get; set; } = 5;

    public CryptometerOptions()
    {
        BaseUrl = new Uri("https://api.cryptometer.io/");
        MonthlyCallBudget = 10_000;
    }

    protected override IEnumerable<string> MoreProblems(string section)
    {
        if (MarketWideRefreshMinutes <= 0)
        {
            yield return $"{section}:MarketWideRefreshMinutes must be above 0.";
        }
    }
}

/// <summary>Where the King Fisher liquidation clusters come from.</summary>
public enum ClusterSource
{
    /// <summary>The owner's own table of clusters read from King Fisher's map images, through PostgREST (Supabase's REST API).</summary>
    OwnerTable,

    /// <summary>King Fisher's HTTP API: a login with user and password, then the latest map for a pair.</summary>
    VendorApi,
}

/// <summary>
/// King Fisher's liquidation clusters. By default the owner's Supabase table (<see cref="ClusterSource.OwnerTable"/>):
/// <see cref="ProviderOptions.BaseUrl"/> is the project's URL (<c>https://&lt;ref&gt;.supabase.co/</c>) and
/// <see cref="ProviderOptions.ApiKey"/> a key that may read the table. The table's and columns' names are settings
/// because they are the owner's, not ours.
/// </summary>
public sealed class KingFisherOptions : ProviderOptions
{
    public const string SectionName = "KingFisher";

    public ClusterSource Source { get; set; } = ClusterSource.OwnerTable;

    public string Table { get; set; } = "kf_clusters";

    public string SymbolColumn { get; set; } = "symbol";

    /// <summary>The column saying which side of the price a cluster is on: <see cref="AboveValue"/> or <see cref="BelowValue"/>.</summary>
    public string SideColumn { get; set; } = "side";

    public string PriceColumn { get; set; } = "price";

    /// <summary>The cluster's weight, stored as its volume: the notional in the quote currency.</summary>
    public string VolumeColumn { get; set; } = "notional";

    public string TimeColumn { get; set; } = "ts";

    public string AboveValue { get; set; } = "above";

    public string BelowValue { get; set; } = "below";

    /// <summary>How a pair is written in the table: <c>{base}</c> and <c>{quote}</c> are replaced (<c>{base}</c>: BTC).</summary>
    public string SymbolFormat { get; set; } = "{base}";

    /// <summary>Rows read per pair, newest first.</summary>
    public int RowLimit { get; set; } = 50;

    /// <summary>Rows this close to the newest one belong to the same map (the owner's module writes one image's rows together).</summary>
    public int SnapshotWindowMinutes { get; set; } = 60;

    /// <summary>A newest map older than this is no map: the pair has no clusters.</summary>
    public int MaxAgeHours { get; set; } = 24;

    /// <summary>The vendor API's user (<see cref="ClusterSource.VendorApi"/>).</summary>
    public string Login { get; set; } = "";

    /// <summary>The vendor API's password (<see cref="ClusterSource.VendorApi"/>).</summary>
    public string Password { get; set; } = "";

    /// <summary>The vendor API's map <c>type</c>: <c>all_leverage</c> or <c>high_leverage</c>.</summary>
    public string MapType { get; set; } = "all_leverage";

    public KingFisherOptions() => RequestsPerWindow = 0;

    /// <summary>The pair as the owner's table writes it.</summary>
    public string TableSymbol(MarketSymbol symbol) => OwnerSupabase.Symbol(SymbolFormat, symbol);

    protected override bool NeedsApiKey => Source == ClusterSource.OwnerTable;

    protected override IEnumerable<string> MoreProblems(string section)
    {
        string[] names = [Table, SymbolColumn, SideColumn, PriceColumn, VolumeColumn, TimeColumn];
        if (!OwnerSupabase.ArePlainIdentifiers(names))
        {
            yield return $"{section}: Table and the column names must be plain identifiers (letters, digits, _).";
        }

        if (RowLimit <= 0 || SnapshotWindowMinutes <= 0 || MaxAgeHours <= 0)
        {
            yield return $"{section}: RowLimit, SnapshotWindowMinutes and MaxAgeHours must be above 0.";
        }

        if (Source == ClusterSource.VendorApi && (string.IsNullOrWhiteSpace(Login) || string.IsNullOrWhiteSpace(Password)))
        {
            yield return $"{section}: Login and Password are required with Source VendorApi.";
        }

        if (MapType is not ("all_leverage" or "high_leverage"))
        {
            yield return $"{section}:MapType must be all_leverage or high_leverage, got '{MapType}'.";
        }
    }
}

/// <summary>The rules every provider's options follow; the host checks them at start.</summary>
public sealed class ProviderOptionsValidator<TOptions> : IValidateOptions<TOptions>
    where TOptions : ProviderOptions
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var failures = options.Problems(typeof(TOptions).Name.Replace("Options", "", StringComparison.Ordinal)).ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
