using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Zmarty.Trading.Indicators;
using static Zmarty.Trading.Indicators.IndicatorLine;
using Zmarty.Trading.Signals;

namespace Zmarty.Tests.Trading;

public sealed class SignalScoringTests
{
    private static readonly SignalScorer _scorer = new(new SignalScoringOptions());

    // Every input points long: oversold oscillators, price above its averages, shorts crowded and being liquidated,
    // a cluster above price, low risk.
    private static readonly SignalInput _bullish = new("BTC/USDT", "1h", TestSeries.Start, 100)
    {
        Indicators = new IndicatorSnapshot(
            TestSeries.Start,
            100,
            (Rsi, 25), (StochasticK, 15), (Mfi, 15), (Cci, -250), (MacdHistogram, 1), (Atr, 1), (Ema50, 97), (Vwap, 98),
            (Adx, 30), (PlusDi, 30), (MinusDi, 10), (BollingerUpper, 110), (BollingerLower, 99), (AroonUp, 100), (AroonDown, 0),
            (ParabolicSar, 95)),
        Market = new MarketReadings(
            LongPercent: 30, ShortPercent: 70, TrendScore: 100, BuyPressure: 80, SellPressure: 20,
            LongLiquidations: 100, ShortLiquidations: 900, OpenInterestChangePercent: 10, PriceChangePercent: 5),
        Risk = 0.05,
        Volatility = 0.01,
        Clusters = [new LiquidationCluster(105, 1000, LiquidationSide.Short)],
    };

    private static SignalInput Bearish => _bullish with
    {
        Indicators = new IndicatorSnapshot(
            TestSeries.Start,
            100,
            (Rsi, 80), (StochasticK, 90), (Mfi, 85), (Cci, 250), (MacdHistogram, -1), (Atr, 1), (Ema50, 103), (Vwap, 102),
            (Adx, 30), (PlusDi, 10), (MinusDi, 30), (BollingerUpper, 101), (BollingerLower, 90), (AroonUp, 0), (AroonDown, 100),
            (ParabolicSar, 105)),
        Market = new MarketReadings(80, 20, 0, 20, 80, 900, 100, 10, -5),
        Risk = 0.95,
        Clusters = [new LiquidationCluster(95, 1000, LiquidationSide.Long)],
    };

    [Fact]
    public void Inputs_that_all_point_long_give_a_long_signal_with_the_blueprint_levels()
    {
        var signal = _scorer.Score(_bullish);

        Assert.Equal(SignalDirection.Long, signal.Direction);
        Assert.InRange(signal.Score, 0.8, 1);
        Assert.InRange(signal.Confidence, 0.9, 1);
        Assert.Equal(100, signal.Entry);
        Assert.Equal(98, signal.StopLoss!.Value, 12);
        Assert.Equal([102, 105, 110], signal.TakeProfits.Select(p => Math.Round(p, 9)));
        Assert.Empty(signal.Missing);
        Assert.Empty(signal.Adjustments);
        Assert.Equal(_scorer.StrategyVersion, signal.StrategyVersion);
    }

    [Fact]
    public void Inputs_that_all_point_short_give_a_short_signal_with_its_stop_above()
    {
        var signal = _scorer.Score(Bearish);

        Assert.Equal(SignalDirection.Short, signal.Direction);
        Assert.True(signal.Composite < -0.6);
        Assert.Equal(-signal.Composite, signal.Score);
        Assert.Equal(102, signal.StopLoss!.Value, 12);
        Assert.Equal([98, 95, 90], signal.TakeProfits.Select(p => Math.Round(p, 9)));
    }

    [Fact]
    public void Reasons_name_every_input_and_their_contributions_add_up_to_the_composite()
    {
        var signal = _scorer.Score(_bullish);

        string[] expected =
        [
            "rsi", "stochastic", "mfi", "cci", "macd", "ema_trend", "vwap", "dmi", "bollinger", "aroon", "parabolic_sar",
            "long_short_ratio", "trend_score", "buy_sell_pressure", "open_interest", "liquidation_volume",
            "liquidation_clusters", "risk_metric",
        ];
        Assert.Equal(expected.Order(), signal.Reasons.Select(r => r.Input).Order());
        Assert.Equal(signal.Composite, signal.Reasons.Sum(r => r.Contribution), 12);
        Assert.Equal(1, signal.Reasons.Sum(r => r.Weight), 12);
        Assert.All(signal.Reasons, r => Assert.Equal(r.Weight * r.Reading, r.Contribution, 12));
        Assert.Contains(signal.Reasons, r => r.Input == "risk_metric" && r.Detail.Contains("VeryLow", StringComparison.Ordinal));

        // The blueprint's group weights: risk is 20 % of the composite, liquidation data 30 %.
        Assert.Equal(0.2, signal.Reasons.Single(r => r.Group == "risk").Weight, 12);
        Assert.Equal(0.3, signal.Reasons.Where(r => r.Group == "liquidation").Sum(r => r.Weight), 12);
    }

    [Fact]
    public void Missing_inputs_lower_the_confidence_and_are_named_instead_of_failing()
    {
        var full = _scorer.Score(_bullish);
        var partial = _scorer.Score(_bullish with { Market = null, Clusters = null });
        var nothing = _scorer.Score(new SignalInput("BTC/USDT", "1h", TestSeries.Start, 100));

        Assert.True(partial.Confidence < full.Confidence);
        Assert.Contains("trend_score", partial.Missing);
        Assert.Contains("liquidation_clusters", partial.Missing);
        Assert.Equal(SignalDirection.Flat, nothing.Direction);
        Assert.Equal(0, nothing.Score);
        Assert.Equal(0, nothing.Confidence);
        Assert.Null(nothing.Entry);
        Assert.Empty(nothing.TakeProfits);
        Assert.Equal(18, nothing.Missing.Count);
    }

    [Fact]
    public void High_volatility_damps_the_composite_by_0_8()
    {
        var signal = _scorer.Score(_bullish with { Volatility = 0.06 });

        Assert.Equal(0.8 * signal.Reasons.Sum(r => r.Contribution), signal.Composite, 12);
        Assert.Equal("volatility_damping", Assert.Single(signal.Adjustments).Name);
    }

    [Fact]
    public void A_cluster_within_2_percent_of_price_damps_the_composite_by_0_9()
    {
        var signal = _scorer.Score(_bullish with { Clusters = [new LiquidationCluster(101.5, 1000, LiquidationSide.Short)] });

        Assert.Equal(0.9 * signal.Reasons.Sum(r => r.Contribution), signal.Composite, 12);
        Assert.Equal("cluster_damping", Assert.Single(signal.Adjustments).Name);
    }

    [Fact]
    public void Scores_between_the_thresholds_are_flat()
    {
        var mixed = _scorer.Score(_bullish with { Risk = 0.95, Market = Bearish.Market, Clusters = Bearish.Clusters });

        Assert.Equal(SignalDirection.Flat, mixed.Direction);
        Assert.InRange(mixed.Composite, -0.6, 0.6);
        Assert.True(mixed.Confidence < _scorer.Score(_bullish).Confidence);
    }

    [Fact]
    public void The_strategy_version_is_stable_for_equal_options_and_changes_with_any_option()
    {
        var defaults = new SignalScoringOptions().StrategyVersion;

        Assert.Matches("^v1-[0-9a-f]{8}$", defaults);
        Assert.Equal(defaults, new SignalScoringOptions().StrategyVersion);
        Assert.NotEqual(defaults, new SignalScoringOptions { LongThreshold = 0.61 }.StrategyVersion);
        Assert.NotEqual(defaults, new SignalScoringOptions { RsiWeight = 2 }.StrategyVersion);
        Assert.NotEqual(defaults, new SignalScoringOptions { LongShortContrarian = false }.StrategyVersion);
    }

    [Fact]
    public void Options_are_bound_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Trading:Signals:LongThreshold"] = "0.5",
            ["Trading:Signals:StopLossPercent"] = "3",
        }).Build();
        var options = new SignalScoringOptions();
        configuration.GetSection(SignalScoringOptions.SectionName).Bind(options);
        var signal = new SignalScorer(options).Score(_bullish);

        Assert.Equal(0.5, options.LongThreshold);
        Assert.Equal(97, signal.StopLoss!.Value, 12);
        Assert.NotEqual(_scorer.StrategyVersion, signal.StrategyVersion);
    }

    [Fact]
    public void The_blueprint_defaults_pass_validation() =>
        Assert.True(new SignalScoringOptionsValidator().Validate(null, new SignalScoringOptions()).Succeeded);

    [Fact]
    public void Options_that_break_a_rule_are_refused_with_every_key_named()
    {
        var options = new SignalScoringOptions
        {
            MarketWeight = 0, TechnicalWeight = 0, LiquidationWeight = 0, RiskWeight = 0,
            MacdWeight = double.NaN, TakeProfit2Percent = 1, RsiOversold = 50,
        };

        var error = Assert.Throws<OptionsValidationException>(() => new SignalScorer(options));

        Assert.Equal(
            [
                "Trading:Signals:MacdWeight is NaN; it must be a finite number.",
                "Trading:Signals:MarketWeight and Trading:Signals:TechnicalWeight, Trading:Signals:LiquidationWeight and Trading:Signals:RiskWeight are all 0; at least one group must count.",
                "Trading:Signals:TakeProfit2Percent is 1; targets are nearest first, so it must lie from Trading:Signals:TakeProfit1Percent (2) to Trading:Signals:TakeProfit3Percent (10).",
                "Trading:Signals:RsiOversold is 50; it must be from 0 to below 50.",
            ],
            error.Failures);
    }

    // Property test: random mixes of present, missing and extreme inputs.
    [Fact]
    public void Score_and_confidence_stay_within_0_and_1()
    {
        var random = new Random(5150);
        double? Maybe(double min, double max) => random.Next(4) == 0 ? null : min + (random.NextDouble() * (max - min));
        for (var i = 0; i < 2000; i++)
        {
            var price = 1 + (random.NextDouble() * 1000);
            var input = new SignalInput("ETH/USDT", "4h", TestSeries.Start, price)
            {
                Indicators = random.Next(5) == 0 ? null : new IndicatorSnapshot(
                    TestSeries.Start,
                    price,
                    (Rsi, Maybe(0, 100)), (StochasticK, Maybe(0, 100)), (Mfi, Maybe(0, 100)), (Cci, Maybe(-500, 500)),
                    (MacdHistogram, Maybe(-50, 50)), (Atr, Maybe(0, 20)), (Ema50, Maybe(0, 2000)), (Vwap, Maybe(0, 2000)),
                    (Adx, Maybe(0, 100)), (PlusDi, Maybe(0, 100)), (MinusDi, Maybe(0, 100)), (BollingerUpper, Maybe(price, 2 * price)),
                    (BollingerLower, Maybe(0, price)), (AroonUp, Maybe(0, 100)), (AroonDown, Maybe(0, 100)), (ParabolicSar, Maybe(0, 2000))),
                Market = random.Next(5) == 0 ? null : new MarketReadings(
                    Maybe(0, 100), Maybe(0, 100), Maybe(0, 100), Maybe(0, 100), Maybe(0, 100), Maybe(0, 1e6), Maybe(0, 1e6), Maybe(-50, 50), Maybe(-30, 30)),
                Risk = Maybe(0, 1),
                Volatility = Maybe(0, 0.2),
                Clusters = random.Next(4) == 0 ? null : [.. Enumerable.Range(0, random.Next(6)).Select(_ => new LiquidationCluster(price * (0.8 + (random.NextDouble() * 0.4)), random.NextDouble() * 1e5, LiquidationSide.Long))],
            };

            var signal = _scorer.Score(input);

            Assert.InRange(signal.Score, 0, 1);
            Assert.InRange(signal.Confidence, 0, 1);
            Assert.InRange(signal.Composite, -1, 1);
            Assert.Equal(Math.Abs(signal.Composite), signal.Score);
        }
    }
}
