using Microsoft.Extensions.Options;
using Zmarty.Worker.Clients;

namespace Zmarty.Worker.RiskGrids;

/// <summary>
/// The owner's risk grids (section <c>RiskGrid</c>), read from his Supabase with the King Fisher source settings
/// (<c>KingFisher:BaseUrl</c>, <c>KingFisher:ApiKey</c>): the tables and columns are his, so they are settings.
/// </summary>
public sealed class RiskGridOptions
{
    public const string SectionName = "RiskGrid";

    public string GridTable { get; set; } = "cryptoverse_risk_grid";

    public string SymbolColumn { get; set; } = "symbol";

    public string PriceColumn { get; set; } = "price_usd";

    public string RiskColumn { get; set; } = "fiat_risk";

    /// <summary>The days each symbol spent in each 0.1 band; a symbol not in it gets no time-in-band coefficient.</summary>
    public string BandsTable { get; set; } = "cryptoverse_risk_time_bands_v2";

    /// <summary>The ten columns of days per band, band 0–0.1 first.</summary>
    public List<string> BandColumns { get; set; } =
    [
        "band_0_10", "band_10_20", "band_20_30", "band_30_40", "band_40_50",
        "band_50_60", "band_60_70", "band_70_80", "band_80_90", "band_90_100",
    ];

    /// <summary>How a pair's grid is named in the table: <c>{base}</c> and <c>{quote}</c> are replaced (<c>{base}</c>: BTC).</summary>
    public string SymbolFormat { get; set; } = "{base}";

    /// <summary>How long the grids read are used before they are read again.</summary>
    public double RefreshHours { get; set; } = 6;

    /// <summary>Refuses a grid whose risk-0 price is over this × the recent high, or risk-1 price under the recent low ÷ this.</summary>
    public double PlausibilityFactor { get; set; } = 2;

    /// <summary>Rows asked for per request: Supabase's PostgREST answers at most 1,000 by default.</summary>
    public int PageSize { get; set; } = 1000;

    /// <summary>
    /// Pages read of one table before the read is given up as failed: 100 pages of 1,000 rows hold 2,400 grids of 41 levels.
    /// </summary>
    public int MaxPages { get; set; } = 100;

    public string TableSymbol(MarketSymbol symbol) => OwnerSupabase.Symbol(SymbolFormat, symbol);
}

public sealed class RiskGridOptionsValidator : IValidateOptions<RiskGridOptions>
{
    public ValidateOptionsResult Validate(string? name, RiskGridOptions options)
    {
        List<string> failures = [];
        string[] names =
            [options.GridTable, options.SymbolColumn, options.PriceColumn, options.RiskColumn, options.BandsTable, .. options.BandColumns];
        if (!OwnerSupabase.ArePlainIdentifiers(names))
        {
            failures.Add("RiskGrid: the table and column names must be plain identifiers (letters, digits, _).");
        }

        if (options.BandColumns.Count != Zmarty.Trading.Risk.TimeInBands.Bands)
        {
            failures.Add($"RiskGrid:BandColumns must name {Zmarty.Trading.Risk.TimeInBands.Bands} columns, band 0-0.1 first.");
        }

        if (options.RefreshHours <= 0 || options.PlausibilityFactor <= 1 || options.PageSize <= 0 || options.MaxPages <= 0)
        {
            failures.Add("RiskGrid: RefreshHours, PageSize and MaxPages must be above 0, PlausibilityFactor above 1.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
