using Zmarty.Trading.Risk;

namespace Zmarty.Tests.Trading;

public sealed class RiskMetricTests
{
    // Prices 10 000 + 1 000 × step for risk 0, 0.025, ..., 1: 41 points from 10 000 to 50 000.
    private static readonly RiskGrid _grid = RiskGrid.FromStepPrices([.. Enumerable.Range(0, 41).Select(i => 10_000.0 + (1_000.0 * i))]);

    [Theory]
    [InlineData(5_000, 0)]
    [InlineData(10_000, 0)]
    [InlineData(11_000, 0.025)]
    [InlineData(11_500, 0.0375)]
    [InlineData(30_000, 0.5)]
    [InlineData(30_250, 0.50625)]
    [InlineData(50_000, 1)]
    [InlineData(80_000, 1)]
    public void Risk_is_interpolated_between_grid_points_and_0_below_1_above(double price, double expected) =>
        Assert.Equal(expected, _grid.RiskAt(price), 12);

    [Fact]
    public void Interpolation_follows_uneven_grid_spacing()
    {
        var grid = new RiskGrid([new(100, 0.5), new(110, 0.525), new(200, 0.55)]);

        // Halfway between 110 and 200 is 155: halfway between 0.525 and 0.55.
        Assert.Equal(0.5375, grid.RiskAt(155), 12);
        Assert.Equal(0, grid.RiskAt(99.99));
    }

    [Theory]
    [InlineData(0.0, RiskBand.VeryLow, RiskLeaning.Long)]
    [InlineData(0.149, RiskBand.VeryLow, RiskLeaning.Long)]
    [InlineData(0.15, RiskBand.Low, RiskLeaning.Long)]
    [InlineData(0.25, RiskBand.ModeratelyLow, RiskLeaning.Long)]
    [InlineData(0.35, RiskBand.Neutral, RiskLeaning.Neutral)]
    [InlineData(0.65, RiskBand.Neutral, RiskLeaning.Neutral)]
    [InlineData(0.70, RiskBand.ModeratelyHigh, RiskLeaning.Short)]
    [InlineData(0.80, RiskBand.High, RiskLeaning.Short)]
    [InlineData(0.86, RiskBand.VeryHigh, RiskLeaning.Short)]
    [InlineData(1.0, RiskBand.VeryHigh, RiskLeaning.Short)]
    public void Bands_and_leanings_follow_the_blueprint(double risk, RiskBand band, RiskLeaning leaning)
    {
        Assert.Equal(band, RiskBands.Classify(risk));
        Assert.Equal(leaning, RiskBands.Classify(risk).Leaning());
    }

    [Fact]
    public void A_grid_that_does_not_increase_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new RiskGrid([new(100, 0), new(90, 0.025)]));
        Assert.Throws<ArgumentException>(() => new RiskGrid([new(100, 0.1), new(110, 0.05)]));
        Assert.Throws<ArgumentException>(() => new RiskGrid([new(100, 0)]));
    }

    // Closes 100, 110, 99, 108.9: log returns ln 1.1, ln 0.9, ln 1.1 = 0.0953102, −0.1053605, 0.0953102;
    // mean 0.0284200; deviations 0.0668902, −0.1337805, 0.0668902; squares sum 0.0268458; / 2 = 0.0134229; σ = 0.1158573.
    [Fact]
    public void Volatility_is_the_sample_deviation_of_log_returns_over_the_stated_period()
    {
        double[] closes = [100, 110, 99, 108.9];

        Assert.Equal(0.1158573, RiskStatistics.Volatility(closes, 3)!.Value, 6);
        Assert.Null(RiskStatistics.Volatility(closes, 4));
        Assert.Equal(0, RiskStatistics.Volatility([5, 5, 5, 5], 3));
    }

    // Peak 120 then 90: (120 − 90) / 120 = 0.25; the later fall from 130 to 110 is only 0.1538.
    [Fact]
    public void Max_drawdown_is_the_worst_fall_from_a_running_peak()
    {
        Assert.Equal(0.25, RiskStatistics.MaxDrawdown([100, 120, 90, 130, 110]), 12);
        Assert.Equal(0, RiskStatistics.MaxDrawdown([1, 2, 3]));
    }

    // Closes 100, 110, 99, 108.9: returns 0.1, −0.1, 0.1; mean 1/30; sample σ = sqrt(((2/30)² × 2 + (4/30)²) / 2) = 0.11547;
    // Sharpe = 0.033333 / 0.11547 = 0.288675.
    [Fact]
    public void Sharpe_is_mean_over_deviation_of_returns_in_the_window()
    {
        Assert.Equal(0.288675, RiskStatistics.Sharpe([100, 110, 99, 108.9], 3)!.Value, 5);
        Assert.Null(RiskStatistics.Sharpe([100, 100, 100, 100], 3));
    }

    [Fact]
    public void Measure_combines_risk_band_and_statistics()
    {
        var metrics = RiskStatistics.Measure(_grid, [30_000, 33_000, 29_700, 32_670], window: 3, volatilityPeriod: 3);

        Assert.Equal(0.56675, metrics.Risk, 12);
        Assert.Equal(RiskBand.Neutral, metrics.Band);
        Assert.Equal(RiskLeaning.Neutral, metrics.Leaning);
        Assert.Equal(0.1158573, metrics.Volatility!.Value, 6);
        Assert.Equal(0.1, metrics.MaxDrawdown, 12);
    }
}
