using Zmarty.Trading.Indicators;
using static Zmarty.Trading.Indicators.IndicatorLine;

namespace Zmarty.Tests.Trading;

public sealed class IndicatorTests
{
    // The fixed series: 400 hourly bars of a seeded random walk (TestSeries.RandomWalk, seed 20250106).
    private static readonly Bar[] _bars = TestSeries.RandomWalk(20250106, 400);
    private static readonly IndicatorSeries _series = IndicatorSeries.Compute(_bars);

    public static TheoryData<IndicatorLine> Lines => new(IndicatorLines.All);

    /// <summary>
    /// Expected values come from <see cref="IndicatorReference"/>: a second, literal implementation of each textbook
    /// (TA-Lib) definition that recomputes every window from scratch. The first defined index is TA-Lib's lookback.
    /// </summary>
    [Theory]
    [MemberData(nameof(Lines))]
    public void Every_line_matches_the_literal_reference_on_the_fixed_series(IndicatorLine line)
    {
        var (expected, lookback) = ReferenceLines(_bars)[line];
        var actual = _series[line].ToArray();

        Assert.Equal(expected.Length, actual.Length);
        Assert.Equal(lookback, Array.FindIndex(actual, v => !double.IsNaN(v)));
        for (var i = 0; i < actual.Length; i++)
        {
            Assert.True(double.IsNaN(expected[i]) == double.IsNaN(actual[i]), $"{line}[{i}]: expected {expected[i]}, got {actual[i]}");
            if (!double.IsNaN(expected[i]))
            {
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-9 * Math.Max(1, Math.Abs(expected[i])), $"{line}[{i}]: expected {expected[i]}, got {actual[i]}");
            }
        }
    }

    [Fact]
    public void The_latest_snapshot_holds_the_last_value_of_every_line()
    {
        var latest = _series.Latest()!;

        Assert.Equal(_bars[^1].Time, latest.Time);
        Assert.Equal(_bars[^1].Close, latest.Close);
        Assert.Equal(34, IndicatorLines.Count);
        Assert.All(IndicatorLines.All, line => Assert.Equal(_series[line].Span[^1], latest[line]));
    }

    // Hand computations (period 3, closes 10, 11, 10, 12, 13): changes +1, −1, +2, +1. At bar 3 the average gain of
    // the first three changes is (1 + 0 + 2) / 3 = 1, the average loss 1 / 3: RSI = 100 × 1 / (1 + 1/3) = 75.
    // At bar 4 gain = (1 × 2 + 1) / 3 = 1, loss = (1/3 × 2 + 0) / 3 = 2/9: RSI = 100 × 1 / (1 + 2/9) = 900 / 11.
    [Fact]
    public void Rsi_matches_a_hand_computation()
    {
        var output = new double[5];
        TechnicalIndicators.Rsi([10, 11, 10, 12, 13], 3, output);

        Assert.All(output[..3], v => Assert.True(double.IsNaN(v)));
        Assert.Equal(75, output[3], 12);
        Assert.Equal(900.0 / 11, output[4], 12);
    }

    // EMA 3 of 1..5: seed at bar 2 = (1 + 2 + 3) / 3 = 2; k = 2 / 4 = 0.5: bar 3 = 2 + 0.5 (4 − 2) = 3, bar 4 = 3 + 0.5 (5 − 3) = 4.
    [Fact]
    public void Ema_and_sma_match_a_hand_computation()
    {
        var ema = new double[5];
        var sma = new double[5];
        TechnicalIndicators.Ema([1, 2, 3, 4, 5], 3, ema);
        TechnicalIndicators.Sma([1, 2, 3, 4, 5], 3, sma);

        Assert.Equal([double.NaN, double.NaN, 2, 3, 4], ema);
        Assert.Equal([double.NaN, double.NaN, 2, 3, 4], sma);
    }

    // Bars (high, low, close): (10, 8, 9), (11, 9, 10), (12, 10, 11.5), (11.5, 9, 10).
    // True ranges: bar 1 max(11, 9) − min(9, 9) = 2; bar 2 max(12, 10) − min(10, 10) = 2; bar 3 max(11.5, 11.5) − min(9, 11.5) = 2.5.
    // ATR 2: bar 2 = (2 + 2) / 2 = 2; bar 3 = (2 × 1 + 2.5) / 2 = 2.25.
    // Williams %R 3 at bar 2: highest 12, lowest 8, close 11.5: −100 (12 − 11.5) / 4 = −12.5.
    [Fact]
    public void Atr_and_williams_r_match_a_hand_computation()
    {
        var bars = TestSeries.FromHlc((10, 8, 9), (11, 9, 10), (12, 10, 11.5), (11.5, 9, 10));
        var atr = new double[4];
        var williams = new double[4];
        TechnicalIndicators.Atr(bars, 2, atr);
        TechnicalIndicators.WilliamsR(bars, 3, williams);

        Assert.Equal([double.NaN, double.NaN, 2, 2.25], atr);
        Assert.Equal(-12.5, williams[2], 12);
    }

    // OBV starts at the first volume (100), adds 200 on the rise, keeps 300 when unchanged, subtracts 400 on the fall.
    [Fact]
    public void Obv_matches_a_hand_computation()
    {
        var closes = new[] { 10.0, 11, 11, 9 };
        var volumes = new[] { 100.0, 200, 300, 400 };
        var bars = closes.Select((c, i) => new Bar(TestSeries.Start.AddHours(i), c, c, c, c, volumes[i])).ToArray();
        var obv = new double[4];
        TechnicalIndicators.Obv(bars, obv);

        Assert.Equal([100, 300, 300, -100], obv);
    }

    // Highs/lows (10, 9), (11, 9.5), (12, 10.5), (12.5, 11), (11, 9). Bar 1 has no −DM (9 − 9.5 < 0): long, SAR = 9
    // (bar 0's low), EP = 11. Bar 1 outputs 9; SAR = 9 + 0.02 (11 − 9) = 9.04. Bar 2 outputs 9.04; new EP 12, AF 0.04:
    // 9.04 + 0.04 (12 − 9.04) = 9.1584. Bar 3 outputs 9.1584; EP 12.5, AF 0.06: 9.1584 + 0.06 × 3.3416 = 9.358896.
    // Bar 4's low 9 ≤ 9.358896: reversal to short at the EP, 12.5 (not below the last two highs, 12.5 and 11).
    [Fact]
    public void Parabolic_sar_matches_a_hand_computation()
    {
        var bars = TestSeries.FromHlc((10, 9, 9.5), (11, 9.5, 10.5), (12, 10.5, 11.5), (12.5, 11, 12), (11, 9, 9.5));
        var sar = new double[5];
        TechnicalIndicators.ParabolicSar(bars, 0.02, 0.2, sar);

        Assert.True(double.IsNaN(sar[0]));
        Assert.Equal(9, sar[1], 12);
        Assert.Equal(9.04, sar[2], 12);
        Assert.Equal(9.1584, sar[3], 12);
        Assert.Equal(12.5, sar[4], 12);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(10)]
    public void Too_few_bars_give_no_values_instead_of_failing(int count)
    {
        var series = IndicatorSeries.Compute(TestSeries.RandomWalk(7, count));

        Assert.Equal(count, series.Count);
        var latest = series.Latest();
        if (count == 0)
        {
            Assert.Null(latest);
            return;
        }

        Assert.Null(latest![Rsi]);
        Assert.Null(latest[Macd]);
        Assert.Null(latest[Ema200]);
        Assert.Null(latest[Adx]);
        Assert.Null(latest[Trix]);
        Assert.NotNull(latest[Obv]);
        Assert.NotNull(latest[Vwap]);
        Assert.Equal(count > 1, latest[ParabolicSar] is not null);
    }

    [Fact]
    public void Flat_prices_give_neutral_finite_values_instead_of_dividing_by_zero()
    {
        var latest = IndicatorSeries.Compute(TestSeries.Flat(300)).Latest()!;

        Assert.Equal(50, latest[Rsi]);
        Assert.Equal(50, latest[StochasticK]);
        Assert.Equal(50, latest[StochasticD]);
        Assert.Equal(-50, latest[WilliamsR]);
        Assert.Equal(50, latest[Mfi]);
        Assert.Equal(50, latest[UltimateOscillator]);
        Assert.Equal(0, latest[Cci]);
        Assert.Equal(0, latest[Roc]);
        Assert.Equal(0, latest[Momentum]);
        Assert.Equal(0, latest[Macd]);
        Assert.Equal(0, latest[Trix]);
        Assert.Equal(0, latest[Atr]);
        Assert.Equal(0, latest[Adx]);
        Assert.Equal(0, latest[PlusDi]);
        Assert.Equal(100, latest[BollingerUpper]);
        Assert.Equal(100, latest[BollingerLower]);
        Assert.Equal(100, latest[KeltnerUpper]);
        Assert.Equal(100, latest[Vwap]);
        Assert.Equal(100, latest[AroonUp]);
        Assert.Equal(10, latest[Obv]);
    }

    [Fact]
    public void A_price_gap_counts_in_the_true_range()
    {
        // Bar 1 opens 10 % above bar 0's close and never comes back: its range alone is 1, its true range 11.
        var bars = TestSeries.FromHlc((101, 99, 100), (111, 110, 110.5));

        Assert.Equal(11, TechnicalIndicators.TrueRange(bars, 1), 12);
    }

    [Fact]
    public void A_time_gap_keeps_bar_based_indicators_going_and_starts_a_new_vwap_session()
    {
        // 30 hourly bars, then a 50-hour gap that skips a whole UTC day.
        var before = TestSeries.RandomWalk(11, 30);
        var after = TestSeries.RandomWalk(12, 30, start: before[^1].Close)
            .Select(b => b with { Time = before[^1].Time.AddHours(50) + (b.Time - TestSeries.Start) })
            .ToArray();
        Bar[] bars = [.. before, .. after];
        var series = IndicatorSeries.Compute(bars);

        Assert.All(series[Rsi].Span[14..].ToArray(), v => Assert.False(double.IsNaN(v)));
        var firstAfterGap = before.Length;
        Assert.Equal(bars[firstAfterGap].TypicalPrice, series[Vwap].Span[firstAfterGap], 12);
        Assert.Equal(IndicatorReference.Vwap(bars), series[Vwap].ToArray(), new ToleranceComparer(1e-9));
    }

    [Fact]
    public void Bars_out_of_time_order_are_refused()
    {
        var bars = TestSeries.RandomWalk(3, 10);
        (bars[4], bars[5]) = (bars[5], bars[4]);

        Assert.Throws<ArgumentException>(() => IndicatorSeries.Compute(bars));
    }

    // Property tests: many seeded random series, from a few bars to several hundred, some with flat stretches.
    [Fact]
    public void Oscillators_stay_within_their_ranges()
    {
        foreach (var (seed, bars) in RandomSeries(150))
        {
            var series = IndicatorSeries.Compute(bars);
            AssertWithin(series[Rsi], 0, 100, seed);
            AssertWithin(series[StochasticK], 0, 100, seed);
            AssertWithin(series[StochasticD], 0, 100, seed);
            AssertWithin(series[Mfi], 0, 100, seed);
            AssertWithin(series[UltimateOscillator], 0, 100, seed);
            AssertWithin(series[WilliamsR], -100, 0, seed);
            AssertWithin(series[AroonUp], 0, 100, seed);
            AssertWithin(series[AroonDown], 0, 100, seed);
            AssertWithin(series[Adx], 0, 100, seed);
        }
    }

    [Fact]
    public void The_bollinger_middle_band_is_the_sma()
    {
        foreach (var (seed, bars) in RandomSeries(150))
        {
            var closes = IndicatorReference.Closes(bars);
            var sma = new double[bars.Length];
            TechnicalIndicators.Sma(closes, IndicatorPeriods.Bollinger, sma);

            Assert.True(sma.AsSpan().SequenceEqual(IndicatorSeries.Compute(bars)[BollingerMiddle].Span), $"seed {seed}");
        }
    }

    [Fact]
    public void Obv_changes_only_by_the_bar_volume()
    {
        foreach (var (seed, bars) in RandomSeries(150))
        {
            var obv = IndicatorSeries.Compute(bars)[Obv].Span;
            for (var i = 1; i < bars.Length; i++)
            {
                var change = obv[i] - obv[i - 1];
                var expected = Math.Sign(bars[i].Close - bars[i - 1].Close) * bars[i].Volume;
                Assert.True(Math.Abs(change - expected) <= 1e-6 * Math.Max(1, Math.Abs(obv[i])), $"seed {seed}, bar {i}: {change} vs ±{bars[i].Volume}");
            }
        }
    }

    [Fact]
    public void The_parabolic_sar_never_sits_inside_the_bar_it_is_plotted_on()
    {
        foreach (var (seed, bars) in RandomSeries(150))
        {
            var sar = IndicatorSeries.Compute(bars)[ParabolicSar].Span;
            for (var i = 1; i < bars.Length; i++)
            {
                Assert.False(sar[i] > bars[i].Low && sar[i] < bars[i].High, $"seed {seed}, bar {i}: SAR {sar[i]} inside {bars[i].Low}..{bars[i].High}");
            }
        }
    }

    [Fact]
    public void A_flat_stretch_after_movement_reads_exactly_neutral_despite_running_sums()
    {
        foreach (var (seed, bars) in RandomSeries(150).Where(s => s.Seed % 3 == 0 && s.Bars.Length > 60))
        {
            // Bars 20..59 are flat, so every window ending at bar 59 that starts after bar 20 is flat.
            var at59 = IndicatorSeries.Compute(bars).At(59);

            Assert.True(at59[Cci] == 0, $"seed {seed}: CCI {at59[Cci]}");
            Assert.True(at59[Mfi] == 50, $"seed {seed}: MFI {at59[Mfi]}");
            Assert.True(at59[UltimateOscillator] == 50, $"seed {seed}: UO {at59[UltimateOscillator]}");
            Assert.True(at59[WilliamsR] == -50, $"seed {seed}: %R {at59[WilliamsR]}");
        }
    }

    private static IEnumerable<(int Seed, Bar[] Bars)> RandomSeries(int count)
    {
        var picker = new Random(424242);
        for (var seed = 0; seed < count; seed++)
        {
            var bars = TestSeries.RandomWalk(seed, picker.Next(1, 400), step: picker.NextDouble() * 0.05);

            // Every third series gets a flat stretch, where ranges and changes are zero.
            if (seed % 3 == 0 && bars.Length > 60)
            {
                var flat = bars[20].Close;
                for (var i = 20; i < 60; i++)
                {
                    bars[i] = bars[i] with { Open = flat, High = flat, Low = flat, Close = flat };
                }
            }

            yield return (seed, bars);
        }
    }

    private static void AssertWithin(ReadOnlyMemory<double> line, double min, double max, int seed)
    {
        foreach (var value in line.Span)
        {
            Assert.True(double.IsNaN(value) || (value >= min - 1e-9 && value <= max + 1e-9), $"seed {seed}: {value} outside {min}..{max}");
        }
    }

    // Each reference line with the index of its first value: TA-Lib's lookback for the default periods.
    private static Dictionary<IndicatorLine, (double[] Values, int Lookback)> ReferenceLines(Bar[] bars)
    {
        var close = IndicatorReference.Closes(bars);
        var (k, d) = IndicatorReference.Stochastic(bars, 14, 3, 3);
        var (macd, signal, histogram) = IndicatorReference.Macd(close, 12, 26, 9);
        var (plus, minus, adx) = IndicatorReference.Dmi(bars, 14);
        var (up, down) = IndicatorReference.Aroon(bars, 25);
        var (bbUpper, bbMiddle, bbLower) = IndicatorReference.Bollinger(close, 20, 2);
        var (kcUpper, kcMiddle, kcLower) = IndicatorReference.Keltner(bars, 20, 10, 2);
        return new()
        {
            [Rsi] = (IndicatorReference.Rsi(close, 14), 14),
            [StochasticK] = (k, 17),
            [StochasticD] = (d, 17),
            [WilliamsR] = (IndicatorReference.WilliamsR(bars, 14), 13),
            [Roc] = (IndicatorReference.Roc(close, 10), 10),
            [Mfi] = (IndicatorReference.Mfi(bars, 14), 14),
            [UltimateOscillator] = (IndicatorReference.UltimateOscillator(bars, 7, 14, 28), 28),
            [Macd] = (macd, 33),
            [MacdSignal] = (signal, 33),
            [MacdHistogram] = (histogram, 33),
            [Ema9] = (IndicatorReference.Ema(close, 9), 8),
            [Ema21] = (IndicatorReference.Ema(close, 21), 20),
            [Ema50] = (IndicatorReference.Ema(close, 50), 49),
            [Ema200] = (IndicatorReference.Ema(close, 200), 199),
            [Sma20] = (IndicatorReference.Sma(close, 20), 19),
            [Sma50] = (IndicatorReference.Sma(close, 50), 49),
            [Adx] = (adx, 27),
            [PlusDi] = (plus, 14),
            [MinusDi] = (minus, 14),
            [ParabolicSar] = (IndicatorReference.ParabolicSar(bars, 0.02, 0.2), 1),
            [AroonUp] = (up, 25),
            [AroonDown] = (down, 25),
            [Trix] = (IndicatorReference.Trix(close, 15), 43),
            [BollingerUpper] = (bbUpper, 19),
            [BollingerMiddle] = (bbMiddle, 19),
            [BollingerLower] = (bbLower, 19),
            [Atr] = (IndicatorReference.Atr(bars, 14), 14),
            [KeltnerUpper] = (kcUpper, 19),
            [KeltnerMiddle] = (kcMiddle, 19),
            [KeltnerLower] = (kcLower, 19),
            [Obv] = (IndicatorReference.Obv(bars), 0),
            [Vwap] = (IndicatorReference.Vwap(bars), 0),
            [Cci] = (IndicatorReference.Cci(bars, 20), 19),
            [Momentum] = (IndicatorReference.Momentum(close, 10), 10),
        };
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance * Math.Max(1, Math.Abs(x));

        public int GetHashCode(double obj) => 0;
    }
}
