namespace Zmarty.Trading.Risk;

/// <summary>
/// The checks a risk grid from the owner's table passes before it is used (docs/pipeline.md, "The owner's risk
/// grid"). Each refusal is a sentence saying what is wrong, for the admin page and <c>/healthz</c>.
/// </summary>
public static class RiskGridCheck
{
    public const int Levels = 41;

    /// <summary>How far a stored risk level may be from its 0.025 step (the owner's column has 3 decimals).</summary>
    private const double LevelTolerance = 0.0005;

    /// <summary>The grid of one symbol's rows, or why there is none: 41 levels 0, 0.025, …, 1 with prices strictly rising.</summary>
    public static (RiskGrid? Grid, string? Refusal) Structure(IReadOnlyList<RiskGridPoint> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count != Levels)
        {
            return (null, $"{rows.Count} levels, not {Levels}");
        }

        var sorted = rows.OrderBy(r => r.Risk).ToArray();
        for (var i = 0; i < sorted.Length; i++)
        {
            var expected = i * RiskGrid.Step;
            if (Math.Abs(sorted[i].Risk - expected) > LevelTolerance)
            {
                return (null, FormattableString.Invariant($"level {i} is risk {sorted[i].Risk}, not {expected:0.000}"));
            }

            if (!double.IsFinite(sorted[i].Price) || sorted[i].Price <= 0)
            {
                return (null, FormattableString.Invariant($"the price at risk {expected:0.000} is {sorted[i].Price}"));
            }

            if (i > 0 && sorted[i].Price <= sorted[i - 1].Price)
            {
                return (null, FormattableString.Invariant(
                    $"prices do not rise: {sorted[i].Price} at risk {expected:0.000} after {sorted[i - 1].Price}"));
            }
        }

        return (RiskGrid.FromStepPrices([.. sorted.Select(r => r.Price)]), null);
    }

    /// <summary>
    /// The symbols among <paramref name="grids"/> whose 41 prices equal another symbol's, each with the others: the
    /// owner's scraper has written one symbol's prices under every symbol, and then none of them can be trusted.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Duplicates(IReadOnlyDictionary<string, RiskGrid> grids)
    {
        ArgumentNullException.ThrowIfNull(grids);
        var refusals = new Dictionary<string, string>(StringComparer.Ordinal);
        static string Prices(RiskGrid grid) =>
            string.Join(',', grid.Points.Select(p => p.Price.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        foreach (var group in grids.GroupBy(g => Prices(g.Value)).Where(g => g.Count() > 1))
        {
            var symbols = group.Select(g => g.Key).Order(StringComparer.Ordinal).ToArray();
            foreach (var symbol in symbols)
            {
                refusals[symbol] = $"identical to the grid of {string.Join(", ", symbols.Where(s => s != symbol))}";
            }
        }

        return refusals;
    }

    /// <summary>
    /// Null when the grid fits the symbol's recent prices; else why not: its lowest price (risk 0) above
    /// <paramref name="factor"/> × the recent high, or its highest (risk 1) below the recent low ÷ factor, is another
    /// asset's grid or another unit, not a market that moved.
    /// </summary>
    public static string? Plausibility(RiskGrid grid, double recentLow, double recentHigh, double factor)
    {
        ArgumentNullException.ThrowIfNull(grid);
        var lowest = grid.Points[0].Price;
        var highest = grid.Points[^1].Price;
        return lowest > recentHigh * factor
            ? FormattableString.Invariant($"its lowest price {lowest:G6} is over {factor:0.##}× the recent high {recentHigh:G6}")
            : highest < recentLow / factor
                ? FormattableString.Invariant($"its highest price {highest:G6} is under the recent low {recentLow:G6} ÷ {factor:0.##}")
                : null;
    }
}
