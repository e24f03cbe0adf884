using System.Collections.Concurrent;
using System.Text.Json.Serialization;

namespace Zmarty.Emulators.Market;

/// <summary>
/// The owner's risk tables, <c>cryptoverse_risk_grid</c> (symbol, price_usd, fiat_risk) and
/// <c>cryptoverse_risk_time_bands_v2</c> (symbol, total_days, band_0_10 … band_90_100), with synthetic grids: the real
/// grids are the owner's paid content and are nowhere in this repository. A symbol's grid spans its walk's reference
/// price ÷ 16 (risk 0) to × 16 (risk 1) in even log steps, wide enough for every timeframe's walk. Besides the majors
/// it holds the faults the Worker must refuse: <c>DUPA</c> and <c>DUPB</c> with one grid, <c>SHORT</c> with 40 levels,
/// <c>FLAT</c> with a price that does not rise, <c>FAR</c> a thousand times its price. Tests may replace a symbol's rows.
/// </summary>
internal sealed class OwnerRiskTables(MarketWalk walk)
{
    public const string GridTable = "cryptoverse_risk_grid";
    public const string BandsTable = "cryptoverse_risk_time_bands_v2";

    private static readonly string[] s_majors = ["BTC", "ETH", "SOL", "XRP", "ADA", "DOGE", "AVAX", "LINK", "DOT", "BNB"];
    private static readonly string[] s_bandColumns =
    [
        "band_0_10", "band_10_20", "band_20_30", "band_30_40", "band_40_50",
        "band_50_60", "band_60_70", "band_70_80", "band_80_90", "band_90_100",
    ];

    private readonly ConcurrentDictionary<string, GridRow[]> _overrides = new(StringComparer.Ordinal);

    public static string[] GridColumns => ["id", "symbol", "price_usd", "fiat_risk", "created_at"];

    public static string[] BandColumns => ["symbol", "total_days", .. s_bandColumns];

    /// <summary>One row as a test sends it: the owner's column names.</summary>
    public sealed record GridRow(
        [property: JsonPropertyName("price_usd")] double PriceUsd, [property: JsonPropertyName("fiat_risk")] double FiatRisk);

    public void Replace(string symbol, GridRow[] rows) => _overrides[symbol] = rows;

    public void Reset() => _overrides.Clear();

    public IEnumerable<IReadOnlyDictionary<string, object>> GridRows()
    {
        var grids = s_majors.ToDictionary(s => s, s => Grid(s), StringComparer.Ordinal);
        grids["DUPA"] = grids["DUPB"] = Grid("DUPA");
        grids["SHORT"] = Grid("SHORT")[..40];
        var flat = Grid("FLAT");
        flat[20] = flat[19] with { FiatRisk = flat[20].FiatRisk };
        grids["FLAT"] = flat;
        grids["FAR"] = [.. Grid("FAR").Select(r => r with { PriceUsd = Math.Round(r.PriceUsd * 1000, 8) })];
        foreach (var (symbol, rows) in _overrides)
        {
            grids[symbol] = rows;
        }

        var id = 0;
        return grids.SelectMany(g => g.Value.Select(r => (IReadOnlyDictionary<string, object>)new Dictionary<string, object>
        {
            ["id"] = ++id,
            ["symbol"] = g.Key,
            ["price_usd"] = r.PriceUsd,
            ["fiat_risk"] = r.FiatRisk,
            ["created_at"] = "2026-01-05T00:00:00",
        })).ToList();
    }

    /// <summary>Days per band for three of the majors: most time in the middle bands, little at the extremes.</summary>
    public IEnumerable<IReadOnlyDictionary<string, object>> BandRows() => s_majors.Take(3).Select(symbol =>
    {
        var days = Enumerable.Range(0, 10)
            .Select(b => 20 + (int)(300 * Math.Exp(-Math.Pow(b - 4.5, 2) / 6) * (0.5 + walk.Draw(symbol, "bands", b))))
            .ToArray();
        var row = new Dictionary<string, object> { ["symbol"] = symbol, ["total_days"] = days.Sum() };
        for (var b = 0; b < days.Length; b++)
        {
            row[s_bandColumns[b]] = days[b];
        }

        return (IReadOnlyDictionary<string, object>)row;
    });

    private GridRow[] Grid(string symbol)
    {
        var reference = walk.ReferencePrice(symbol);
        const double span = 2.772588722239781; // ln 16
        return [.. Enumerable.Range(0, 41).Select(i =>
            new GridRow(Math.Round(reference * Math.Exp(-span + (2 * span * i / 40)), 8), Math.Round(i * 0.025, 3)))];
    }
}
