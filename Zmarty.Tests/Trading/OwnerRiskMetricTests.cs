using Zmarty.Trading.Risk;

namespace Zmarty.Tests.Trading;

/// <summary>The owner's risk metric as his Supabase functions compute it, and the checks a grid passes before use.</summary>
public sealed class OwnerRiskMetricTests
{
    // A synthetic grid (the owner's are paid content): 41 levels from 100 to 500, 10 apart.
    private static readonly RiskGrid s_grid = RiskGrid.FromStepPrices([.. Enumerable.Range(0, 41).Select(i => 100.0 + (10.0 * i))]);

    [Theory]
    [InlineData(100, 0)]
    [InlineData(300, 0.5)]
    [InlineData(305, 0.513)]   // 0.5125 rounded to 3 decimals, as get_risk_at_price rounds
    [InlineData(50, 0)]
    [InlineData(900, 1)]
    public void Risk_is_interpolated_between_levels_clamped_and_rounded_as_the_owners_function_does(double price, double risk) =>
        Assert.Equal(risk, OwnerRiskMetric.Read(s_grid, price, null).Risk);

    [Theory]
    [InlineData(0.0, 100, RiskSignal.Long, RiskZone.Accumulation)]
    [InlineData(0.15, 100, RiskSignal.Long, RiskZone.Accumulation)]
    [InlineData(0.151, 80, RiskSignal.Long, RiskZone.Accumulation)]
    [InlineData(0.25, 80, RiskSignal.Long, RiskZone.Accumulation)]
    [InlineData(0.3, 60, RiskSignal.Long, RiskZone.Neutral)]
    [InlineData(0.35, 60, RiskSignal.Long, RiskZone.Neutral)]
    [InlineData(0.36, 50, RiskSignal.Neutral, RiskZone.Neutral)]
    [InlineData(0.65, 60, RiskSignal.Short, RiskZone.Neutral)]
    [InlineData(0.7, 60, RiskSignal.Short, RiskZone.Neutral)]
    [InlineData(0.71, 60, RiskSignal.Short, RiskZone.Distribution)]
    [InlineData(0.75, 80, RiskSignal.Short, RiskZone.Distribution)]
    [InlineData(0.85, 100, RiskSignal.Short, RiskZone.Distribution)]
    [InlineData(1.0, 100, RiskSignal.Short, RiskZone.Distribution)]
    public void Score_signal_and_zone_follow_the_owners_boundaries(double risk, int baseScore, RiskSignal signal, RiskZone zone)
    {
        Assert.Equal(baseScore, OwnerRiskMetric.BaseScore(risk));
        Assert.Equal(signal, OwnerRiskMetric.SignalOf(risk));
        Assert.Equal(zone, OwnerRiskMetric.ZoneOf(risk));
    }

    [Fact]
    public void The_rarest_band_weighs_1_6_the_most_common_1_0_and_the_score_is_base_times_coefficient()
    {
        // Days per band: band 3 the rarest visited (10 days), band 5 the most common (310); band 0 never visited.
        var bands = new TimeInBands([0, 40, 70, 10, 160, 310, 160, 70, 40, 20]);

        Assert.Equal(1.6, bands.CoefficientOf(3));
        Assert.Equal(1.0, bands.CoefficientOf(5));
        Assert.Equal(1.0, bands.CoefficientOf(0));
        Assert.Equal(1.3, bands.CoefficientOf(4));
        // 230 is risk 0.325: band 3 (1.6), base score 60.
        var reading = OwnerRiskMetric.Read(s_grid, 230, bands);
        Assert.Equal(
            (0.325, 3, "0.3-0.4", 1.6, 60), (reading.Risk, reading.Band, reading.BandLabel, reading.Coefficient, reading.BaseScore));
        Assert.Equal(96, reading.Score, 9);
        Assert.Null(OwnerRiskMetric.Read(s_grid, 230, null).Coefficient);
        Assert.Equal(1.0, new TimeInBands([5, 5, 5, 5, 5, 5, 5, 5, 5, 5]).CoefficientOf(2));
    }

    [Fact]
    public void Band_1_0_belongs_to_the_top_band()
    {
        Assert.Equal(9, OwnerRiskMetric.BandOf(1.0));
        Assert.Equal("0.9-1.0", OwnerRiskMetric.Read(s_grid, 1_000, null).BandLabel);
    }

    [Fact]
    public void A_grid_of_41_rising_levels_0_to_1_in_0_025_steps_passes_in_any_row_order()
    {
        var rows = s_grid.Points.Reverse().ToList();

        var (grid, refusal) = RiskGridCheck.Structure(rows);

        Assert.Null(refusal);
        Assert.Equal(0.5, grid!.RiskAt(300), 12);
    }

    [Fact]
    public void A_grid_with_a_missing_level_a_wrong_step_or_prices_that_do_not_rise_is_refused_saying_which()
    {
        var points = s_grid.Points.ToList();

        Assert.Equal("40 levels, not 41", RiskGridCheck.Structure(points[..40]).Refusal);
        var skewed = points.Select((p, i) => i == 7 ? p with { Risk = 0.2 } : p).ToList();
        Assert.Equal("level 7 is risk 0.2, not 0.175", RiskGridCheck.Structure(skewed).Refusal);
        var flat = points.Select((p, i) => i == 20 ? p with { Price = points[19].Price } : p).ToList();
        Assert.StartsWith("prices do not rise: 290 at risk 0.500", RiskGridCheck.Structure(flat).Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Grids_identical_across_symbols_are_all_refused_naming_the_others()
    {
        var other = RiskGrid.FromStepPrices([.. Enumerable.Range(0, 41).Select(i => 5.0 + i)]);

        var refused = RiskGridCheck.Duplicates(new Dictionary<string, RiskGrid> { ["BTC"] = s_grid, ["SOL"] = s_grid, ["DOGE"] = other });

        Assert.Equal("identical to the grid of SOL", refused["BTC"]);
        Assert.Equal("identical to the grid of BTC", refused["SOL"]);
        Assert.False(refused.ContainsKey("DOGE"));
    }

    [Theory]
    [InlineData(150, 400, null)]
    [InlineData(20, 45, "its lowest price 100 is over 2× the recent high 45")]
    [InlineData(2_000, 3_000, "its highest price 500 is under the recent low 2000 ÷ 2")]
    public void A_grid_is_plausible_only_around_the_symbols_recent_prices(double low, double high, string? refusal) =>
        Assert.Equal(refusal, RiskGridCheck.Plausibility(s_grid, low, high, factor: 2));
}
