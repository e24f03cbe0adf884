using BenchmarkDotNet.Attributes;
using Zmarty.Trading.Indicators;
using Zmarty.Trading.Risk;
using Zmarty.Trading.Signals;

namespace Zmarty.Benchmarks.Trading;

/// <summary>
/// The worker's per-symbol cost: all 21 indicators over 1,000 bars, and that plus the risk metric, volatility and
/// signal scoring for the latest bar. Target: well under a millisecond per call.
/// </summary>
[MemoryDiagnoser]
public class TradingMathBenchmarks
{
    private const int BarCount = 1_000;

    private readonly SignalScorer _scorer = new(new SignalScoringOptions());
    private readonly MarketReadings _market = new(55, 45, 62, 58, 42, 1.2e6, 0.8e6, 3.5, 1.8);
    private Bar[] _bars = [];
    private double[] _closes = [];
    private RiskGrid _grid = null!;
    private LiquidationCluster[] _clusters = [];

    [GlobalSetup]
    public void Setup()
    {
        // A seeded random walk of hourly bars: the same input on every run.
        var random = new Random(1000);
        var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        _bars = new Bar[BarCount];
        var close = 60_000.0;
        for (var i = 0; i < BarCount; i++)
        {
            var open = close;
            close = open * (1 + ((random.NextDouble() - 0.5) * 0.02));
            var high = Math.Max(open, close) * (1 + (random.NextDouble() * 0.005));
            var low = Math.Min(open, close) * (1 - (random.NextDouble() * 0.005));
            _bars[i] = new Bar(start.AddHours(i), open, high, low, close, 100 + (random.NextDouble() * 900));
        }

        _closes = [.. _bars.Select(b => b.Close)];
        _grid = RiskGrid.FromStepPrices([.. Enumerable.Range(0, 41).Select(i => 20_000.0 + (2_500.0 * i))]);
        _clusters = [new(close * 1.03, 2.5e6, LiquidationSide.Short), new(close * 0.96, 1.8e6, LiquidationSide.Long)];
    }

    [Benchmark(Baseline = true)]
    public IndicatorSeries AllIndicators() => IndicatorSeries.Compute(_bars);

    [Benchmark]
    public TradingSignal AllIndicatorsAndScoring()
    {
        var latest = IndicatorSeries.Compute(_bars).Latest()!;
        var input = new SignalInput("BTC/USDT", "1h", latest.Time, latest.Close)
        {
            Indicators = latest,
            Market = _market,
            Risk = _grid.RiskAt(latest.Close),
            Volatility = RiskStatistics.Volatility(_closes, TimeSpan.FromHours(1)),
            Clusters = _clusters,
        };
        return _scorer.Score(input);
    }
}
