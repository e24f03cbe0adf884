using System.Buffers;

namespace Zmarty.Trading.Indicators;

/// <summary>
/// All 21 indicators of docs/domain.md §4 over one OHLCV series, one array per <see cref="IndicatorLine"/> (34 lines, as
/// several indicators have more than one), computed with the default periods of <see cref="IndicatorPeriods"/>, for
/// charts and for the latest bar.
/// </summary>
/// <remarks>
/// Each line has one value per bar, aligned with the input. A bar before the indicator's warm-up is complete holds
/// <see cref="double.NaN"/>; <see cref="At"/> and <see cref="Latest"/> turn that into null. Computing is O(n) in the
/// number of bars (the sliding-window indicators cost O(period) per bar at worst) and allocates only these arrays
/// and the result object: working buffers come from the shared array pool.
/// </remarks>
public sealed class IndicatorSeries
{
    private readonly DateTimeOffset[] _times;
    private readonly double[] _close;

    // Indexed by IndicatorLine. One array per line rather than one block: a block of 34 × 1,000 doubles would land
    // on the large object heap.
    private readonly double[][] _lines;

    private IndicatorSeries(int count)
    {
        _times = new DateTimeOffset[count];
        _close = new double[count];
        _lines = new double[IndicatorLines.Count][];
        for (var i = 0; i < _lines.Length; i++)
        {
            _lines[i] = new double[count];
        }
    }

    /// <summary>Number of bars, and of values in every line.</summary>
    public int Count => _times.Length;

    /// <summary>The bar times the values belong to.</summary>
    public ReadOnlyMemory<DateTimeOffset> Times => _times;

    /// <summary>The closes the values were computed from.</summary>
    public ReadOnlyMemory<double> Close => _close;

    /// <summary>One line's values, one per bar; <see cref="double.NaN"/> during its warm-up.</summary>
    public ReadOnlyMemory<double> this[IndicatorLine line] => _lines[(int)line];

    /// <summary>Computes every indicator over <paramref name="bars"/>, which must be in strictly increasing time order.</summary>
    /// <exception cref="ArgumentException">The bars are not in strictly increasing time order.</exception>
    public static IndicatorSeries Compute(ReadOnlySpan<Bar> bars)
    {
        var series = new IndicatorSeries(bars.Length);
        for (var i = 0; i < bars.Length; i++)
        {
            if (i > 0 && bars[i].Time <= bars[i - 1].Time)
            {
                throw new ArgumentException($"Bar {i} at {bars[i].Time:O} is not after the bar before it.", nameof(bars));
            }

            series._times[i] = bars[i].Time;
            series._close[i] = bars[i].Close;
        }

        series.Fill(bars);
        return series;
    }

    /// <summary>The values at bar <paramref name="index"/>; null where the indicator is still warming up.</summary>
    public IndicatorSnapshot At(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        var values = new double[_lines.Length];
        for (var line = 0; line < values.Length; line++)
        {
            values[line] = _lines[line][index];
        }

        return new IndicatorSnapshot(_times[index], _close[index], values);
    }

    /// <summary>The values at the latest bar, or null for an empty series.</summary>
    public IndicatorSnapshot? Latest() => Count == 0 ? null : At(Count - 1);

    // Every line of the table is filled here, once; IndicatorTests checks each against its reference.
    private void Fill(ReadOnlySpan<Bar> bars)
    {
        ReadOnlySpan<double> close = _close;
        TechnicalIndicators.Rsi(close, IndicatorPeriods.Rsi, Line(IndicatorLine.Rsi));
        TechnicalIndicators.Stochastic(bars, IndicatorPeriods.StochasticK, IndicatorPeriods.StochasticSlowing, IndicatorPeriods.StochasticD, Line(IndicatorLine.StochasticK), Line(IndicatorLine.StochasticD));
        TechnicalIndicators.WilliamsR(bars, IndicatorPeriods.WilliamsR, Line(IndicatorLine.WilliamsR));
        TechnicalIndicators.Roc(close, IndicatorPeriods.Roc, Line(IndicatorLine.Roc));
        TechnicalIndicators.Mfi(bars, IndicatorPeriods.Mfi, Line(IndicatorLine.Mfi));
        TechnicalIndicators.UltimateOscillator(bars, IndicatorPeriods.UltimateShort, IndicatorPeriods.UltimateMedium, IndicatorPeriods.UltimateLong, Line(IndicatorLine.UltimateOscillator));
        TechnicalIndicators.Macd(close, IndicatorPeriods.MacdFast, IndicatorPeriods.MacdSlow, IndicatorPeriods.MacdSignal, Line(IndicatorLine.Macd), Line(IndicatorLine.MacdSignal), Line(IndicatorLine.MacdHistogram));
        TechnicalIndicators.Ema(close, IndicatorPeriods.EmaFastest, Line(IndicatorLine.Ema9));
        TechnicalIndicators.Ema(close, IndicatorPeriods.EmaFast, Line(IndicatorLine.Ema21));
        TechnicalIndicators.Ema(close, IndicatorPeriods.EmaSlow, Line(IndicatorLine.Ema50));
        TechnicalIndicators.Ema(close, IndicatorPeriods.EmaSlowest, Line(IndicatorLine.Ema200));
        TechnicalIndicators.Sma(close, IndicatorPeriods.SmaFast, Line(IndicatorLine.Sma20));
        TechnicalIndicators.Sma(close, IndicatorPeriods.SmaSlow, Line(IndicatorLine.Sma50));
        TechnicalIndicators.Dmi(bars, IndicatorPeriods.Dmi, Line(IndicatorLine.PlusDi), Line(IndicatorLine.MinusDi), Line(IndicatorLine.Adx));
        TechnicalIndicators.ParabolicSar(bars, IndicatorPeriods.SarAcceleration, IndicatorPeriods.SarMaximum, Line(IndicatorLine.ParabolicSar));
        TechnicalIndicators.Aroon(bars, IndicatorPeriods.Aroon, Line(IndicatorLine.AroonUp), Line(IndicatorLine.AroonDown));
        TechnicalIndicators.Bollinger(close, IndicatorPeriods.Bollinger, IndicatorPeriods.BollingerDeviations, Line(IndicatorLine.BollingerUpper), Line(IndicatorLine.BollingerMiddle), Line(IndicatorLine.BollingerLower));
        TechnicalIndicators.Atr(bars, IndicatorPeriods.Atr, Line(IndicatorLine.Atr));
        TechnicalIndicators.Keltner(bars, close, IndicatorPeriods.KeltnerEma, IndicatorPeriods.KeltnerAtr, IndicatorPeriods.KeltnerMultiplier, Line(IndicatorLine.KeltnerUpper), Line(IndicatorLine.KeltnerMiddle), Line(IndicatorLine.KeltnerLower));
        TechnicalIndicators.Obv(bars, Line(IndicatorLine.Obv));
        TechnicalIndicators.Vwap(bars, Line(IndicatorLine.Vwap));
        TechnicalIndicators.Cci(bars, IndicatorPeriods.Cci, Line(IndicatorLine.Cci));
        TechnicalIndicators.Momentum(close, IndicatorPeriods.Momentum, Line(IndicatorLine.Momentum));

        var scratch = ArrayPool<double>.Shared.Rent(bars.Length);
        try
        {
            TechnicalIndicators.Trix(close, IndicatorPeriods.Trix, Line(IndicatorLine.Trix), scratch.AsSpan(0, bars.Length));
        }
        finally
        {
            ArrayPool<double>.Shared.Return(scratch);
        }
    }

    private Span<double> Line(IndicatorLine line) => _lines[(int)line];
}
