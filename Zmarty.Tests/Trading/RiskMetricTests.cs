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

    private static readonly TimeSpan _hour = TimeSpan.FromHours(1);
    private static readonly TimeSpan _day = TimeSpan.FromDays(1);

    // Closes 100, 110, 99, 108.9: log returns ln 1.1, ln 0.9, ln 1.1 = 0.0953102, −0.1053605, 0.0953102;
    // mean 0.0284200; deviations 0.0668902, −0.1337805, 0.0668902; squares sum 0.0268458; / 2 = 0.0134229; σ = 0.1158573
    // per bar. On daily bars that is the daily volatility; on hourly bars a day holds 24 of them: × √24 = 0.5675824.
    [Fact]
    public void Volatility_is_the_sample_deviation_of_log_returns_scaled_to_a_day()
    {
        double[] closes = [100, 110, 99, 108.9];

        Assert.Equal(0.1158573, RiskStatistics.Volatility(closes, _day, 3)!.Value, 6);
        Assert.Equal(0.5675824, RiskStatistics.Volatility(closes, _hour, 3)!.Value, 6);
        Assert.Null(RiskStatistics.Volatility(closes, _day, 4));
        Assert.Equal(0, RiskStatistics.Volatility([5, 5, 5, 5], _day, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => RiskStatistics.Volatility(closes, TimeSpan.Zero, 3));
    }

    // Issue 14, item 4. One price path of 366 days of hourly closes, each hour a log return drawn from N(0, 0.01²)
    // (seeded): its daily volatility is 0.01 × √24 = 0.04899. Sampled every hour (8,784 returns) and every 24 hours
    // (365 returns) it must read the same within sampling error: the relative standard error of a sample deviation
    // is about 1 / √(2n), 0.8 % hourly and 3.7 % daily, so 10 % is over 2.5 of them. Unscaled, the hourly figure
    // was 0.01 and the daily 0.049, five times apart, for the same path.
    [Fact]
    public void The_same_price_path_sampled_as_1h_and_1d_bars_has_the_same_volatility()
    {
        const int Days = 366;
        var random = new Random(2026);
        var hourly = new double[(Days * 24) + 1];
        hourly[0] = 50_000;
        for (var i = 1; i < hourly.Length; i++)
        {
            // Box–Muller: a standard normal from two uniforms.
            var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            hourly[i] = hourly[i - 1] * Math.Exp(0.01 * normal);
        }

        var daily = hourly.Where((_, i) => i % 24 == 0).ToArray();
        var expected = 0.01 * Math.Sqrt(24);

        var fromHourly = RiskStatistics.Volatility(hourly, _hour, period: hourly.Length - 1)!.Value;
        var fromDaily = RiskStatistics.Volatility(daily, _day, period: daily.Length - 1)!.Value;

        Assert.InRange(fromHourly / expected, 0.97, 1.03);
        Assert.InRange(fromDaily / expected, 0.9, 1.1);
        Assert.InRange(fromDaily / fromHourly, 0.9, 1.1);
    }

    // Peak 120 then 90: (120 − 90) / 120 = 0.25; the later fall from 130 to 110 is only 0.1538.
    [Fact]
    public void Max_drawdown_is_the_worst_fall_from_a_running_peak()
    {
        Assert.Equal(0.25, RiskStatistics.MaxDrawdown([100, 120, 90, 130, 110]), 12);
        Assert.Equal(0, RiskStatistics.MaxDrawdown([1, 2, 3]));
    }

    // Closes 100, 110, 99, 108.9: returns 0.1, −0.1, 0.1; mean 1/30; sample σ = sqrt(((2/30)² × 2 + (4/30)²) / 2) = 0.11547;
    // per bar 0.0333333 / 0.11547 = 0.2886751. Annualised: daily bars × √365 = 5.5151307; hourly × √(365 × 24) = 27.0185122.
    [Fact]
    public void Sharpe_is_mean_over_deviation_of_returns_annualised_over_365_days()
    {
        Assert.Equal(5.5151307, RiskStatistics.Sharpe([100, 110, 99, 108.9], _day, 3)!.Value, 6);
        Assert.Equal(27.0185122, RiskStatistics.Sharpe([100, 110, 99, 108.9], _hour, 3)!.Value, 6);
        Assert.Null(RiskStatistics.Sharpe([100, 100, 100, 100], _day, 3));
    }

    // Issue 14, item 5. Closes 100 × 1.01^i: every return is 1 %, but rounding leaves σ ≈ 1.2e-16, and the ratio
    // came out as 8.6e13 per bar. That σ is noise (below 1e-9 of the returns' size): no Sharpe. A series that does
    // vary, however little (1 % and 1.1 % in turn), still gets one.
    [Fact]
    public void Sharpe_of_a_series_growing_exactly_1_percent_a_bar_is_undefined()
    {
        var constantGrowth = Enumerable.Range(0, 31).Select(i => 100 * Math.Pow(1.01, i)).ToArray();
        var alternating = new double[31];
        alternating[0] = 100;
        for (var i = 1; i < alternating.Length; i++)
        {
            alternating[i] = alternating[i - 1] * (i % 2 == 0 ? 1.01 : 1.011);
        }

        Assert.Null(RiskStatistics.Sharpe(constantGrowth, _day, 30));
        Assert.InRange(RiskStatistics.Sharpe(alternating, _day, 30)!.Value, 100, 1e4);
    }

    [Fact]
    public void Measure_gives_volatility_drawdown_and_sharpe_over_the_window()
    {
        var metrics = RiskStatistics.Measure([30_000, 33_000, 29_700, 32_670], _day, window: 3, volatilityPeriod: 3);

        Assert.Equal(0.1158573, metrics.Volatility!.Value, 6);
        Assert.Equal(0.1, metrics.MaxDrawdown, 12);
        Assert.Equal(5.5151307, metrics.Sharpe!.Value, 6);
    }
}
