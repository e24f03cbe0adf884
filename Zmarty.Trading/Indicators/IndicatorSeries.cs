using System.Buffers;

namespace Zmarty.Trading.Indicators;

/// <summary>
/// All 21 indicators of DOMAIN.md §4 (34 lines, as several indicators have more than one) over one OHLCV series,
/// computed with the default periods of <see cref="IndicatorPeriods"/>, for charts and for the latest bar.
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
    private readonly double[] _rsi;
    private readonly double[] _stochasticK;
    private readonly double[] _stochasticD;
    private readonly double[] _williamsR;
    private readonly double[] _roc;
    private readonly double[] _mfi;
    private readonly double[] _ultimateOscillator;
    private readonly double[] _macd;
    private readonly double[] _macdSignal;
    private readonly double[] _macdHistogram;
    private readonly double[] _ema9;
    private readonly double[] _ema21;
    private readonly double[] _ema50;
    private readonly double[] _ema200;
    private readonly double[] _sma20;
    private readonly double[] _sma50;
    private readonly double[] _adx;
    private readonly double[] _plusDi;
    private readonly double[] _minusDi;
    private readonly double[] _parabolicSar;
    private readonly double[] _aroonUp;
    private readonly double[] _aroonDown;
    private readonly double[] _trix;
    private readonly double[] _bollingerUpper;
    private readonly double[] _bollingerMiddle;
    private readonly double[] _bollingerLower;
    private readonly double[] _atr;
    private readonly double[] _keltnerUpper;
    private readonly double[] _keltnerMiddle;
    private readonly double[] _keltnerLower;
    private readonly double[] _obv;
    private readonly double[] _vwap;
    private readonly double[] _cci;
    private readonly double[] _momentum;

    private IndicatorSeries(int count)
    {
        _times = new DateTimeOffset[count];
        _close = new double[count];
        _rsi = new double[count];
        _stochasticK = new double[count];
        _stochasticD = new double[count];
        _williamsR = new double[count];
        _roc = new double[count];
        _mfi = new double[count];
        _ultimateOscillator = new double[count];
        _macd = new double[count];
        _macdSignal = new double[count];
        _macdHistogram = new double[count];
        _ema9 = new double[count];
        _ema21 = new double[count];
        _ema50 = new double[count];
        _ema200 = new double[count];
        _sma20 = new double[count];
        _sma50 = new double[count];
        _adx = new double[count];
        _plusDi = new double[count];
        _minusDi = new double[count];
        _parabolicSar = new double[count];
        _aroonUp = new double[count];
        _aroonDown = new double[count];
        _trix = new double[count];
        _bollingerUpper = new double[count];
        _bollingerMiddle = new double[count];
        _bollingerLower = new double[count];
        _atr = new double[count];
        _keltnerUpper = new double[count];
        _keltnerMiddle = new double[count];
        _keltnerLower = new double[count];
        _obv = new double[count];
        _vwap = new double[count];
        _cci = new double[count];
        _momentum = new double[count];
    }

    /// <summary>Number of bars, and of values in every line.</summary>
    public int Count => _times.Length;

    /// <summary>The bar times the values belong to.</summary>
    public ReadOnlyMemory<DateTimeOffset> Times => _times;

    /// <summary>The closes the values were computed from.</summary>
    public ReadOnlyMemory<double> Close => _close;

    /// <summary>RSI (14, Wilder).</summary>
    public ReadOnlyMemory<double> Rsi => _rsi;

    /// <summary>Slow Stochastic %K (14, 3).</summary>
    public ReadOnlyMemory<double> StochasticK => _stochasticK;

    /// <summary>Slow Stochastic %D (3).</summary>
    public ReadOnlyMemory<double> StochasticD => _stochasticD;

    /// <summary>Williams %R (14), −100..0.</summary>
    public ReadOnlyMemory<double> WilliamsR => _williamsR;

    /// <summary>Rate of change (10), percent.</summary>
    public ReadOnlyMemory<double> Roc => _roc;

    /// <summary>Money Flow Index (14).</summary>
    public ReadOnlyMemory<double> Mfi => _mfi;

    /// <summary>Ultimate Oscillator (7, 14, 28).</summary>
    public ReadOnlyMemory<double> UltimateOscillator => _ultimateOscillator;

    /// <summary>MACD line (12, 26).</summary>
    public ReadOnlyMemory<double> Macd => _macd;

    /// <summary>MACD signal line (9).</summary>
    public ReadOnlyMemory<double> MacdSignal => _macdSignal;

    /// <summary>MACD histogram: line − signal.</summary>
    public ReadOnlyMemory<double> MacdHistogram => _macdHistogram;

    /// <summary>EMA 9 of the close.</summary>
    public ReadOnlyMemory<double> Ema9 => _ema9;

    /// <summary>EMA 21 of the close.</summary>
    public ReadOnlyMemory<double> Ema21 => _ema21;

    /// <summary>EMA 50 of the close.</summary>
    public ReadOnlyMemory<double> Ema50 => _ema50;

    /// <summary>EMA 200 of the close.</summary>
    public ReadOnlyMemory<double> Ema200 => _ema200;

    /// <summary>SMA 20 of the close.</summary>
    public ReadOnlyMemory<double> Sma20 => _sma20;

    /// <summary>SMA 50 of the close.</summary>
    public ReadOnlyMemory<double> Sma50 => _sma50;

    /// <summary>ADX (14).</summary>
    public ReadOnlyMemory<double> Adx => _adx;

    /// <summary>+DI (14).</summary>
    public ReadOnlyMemory<double> PlusDi => _plusDi;

    /// <summary>−DI (14).</summary>
    public ReadOnlyMemory<double> MinusDi => _minusDi;

    /// <summary>Parabolic SAR (0.02, 0.2).</summary>
    public ReadOnlyMemory<double> ParabolicSar => _parabolicSar;

    /// <summary>Aroon up (25).</summary>
    public ReadOnlyMemory<double> AroonUp => _aroonUp;

    /// <summary>Aroon down (25).</summary>
    public ReadOnlyMemory<double> AroonDown => _aroonDown;

    /// <summary>TRIX (15), percent.</summary>
    public ReadOnlyMemory<double> Trix => _trix;

    /// <summary>Bollinger upper band (20, 2).</summary>
    public ReadOnlyMemory<double> BollingerUpper => _bollingerUpper;

    /// <summary>Bollinger middle band: SMA 20.</summary>
    public ReadOnlyMemory<double> BollingerMiddle => _bollingerMiddle;

    /// <summary>Bollinger lower band (20, 2).</summary>
    public ReadOnlyMemory<double> BollingerLower => _bollingerLower;

    /// <summary>ATR (14, Wilder).</summary>
    public ReadOnlyMemory<double> Atr => _atr;

    /// <summary>Keltner upper band: EMA 20 + 2 × ATR 10.</summary>
    public ReadOnlyMemory<double> KeltnerUpper => _keltnerUpper;

    /// <summary>Keltner middle line: EMA 20.</summary>
    public ReadOnlyMemory<double> KeltnerMiddle => _keltnerMiddle;

    /// <summary>Keltner lower band: EMA 20 − 2 × ATR 10.</summary>
    public ReadOnlyMemory<double> KeltnerLower => _keltnerLower;

    /// <summary>On-balance volume.</summary>
    public ReadOnlyMemory<double> Obv => _obv;

    /// <summary>Session (UTC day) VWAP.</summary>
    public ReadOnlyMemory<double> Vwap => _vwap;

    /// <summary>CCI (20).</summary>
    public ReadOnlyMemory<double> Cci => _cci;

    /// <summary>Momentum (10): close − close 10 bars ago.</summary>
    public ReadOnlyMemory<double> Momentum => _momentum;

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
        return new IndicatorSnapshot(
            _times[index],
            _close[index],
            Value(_rsi),
            Value(_stochasticK),
            Value(_stochasticD),
            Value(_williamsR),
            Value(_roc),
            Value(_mfi),
            Value(_ultimateOscillator),
            Value(_macd),
            Value(_macdSignal),
            Value(_macdHistogram),
            Value(_ema9),
            Value(_ema21),
            Value(_ema50),
            Value(_ema200),
            Value(_sma20),
            Value(_sma50),
            Value(_adx),
            Value(_plusDi),
            Value(_minusDi),
            Value(_parabolicSar),
            Value(_aroonUp),
            Value(_aroonDown),
            Value(_trix),
            Value(_bollingerUpper),
            Value(_bollingerMiddle),
            Value(_bollingerLower),
            Value(_atr),
            Value(_keltnerUpper),
            Value(_keltnerMiddle),
            Value(_keltnerLower),
            Value(_obv),
            Value(_vwap),
            Value(_cci),
            Value(_momentum));

        double? Value(double[] line) => double.IsNaN(line[index]) ? null : line[index];
    }

    /// <summary>The values at the latest bar, or null for an empty series.</summary>
    public IndicatorSnapshot? Latest() => Count == 0 ? null : At(Count - 1);

    private void Fill(ReadOnlySpan<Bar> bars)
    {
        ReadOnlySpan<double> close = _close;
        TechnicalIndicators.Rsi(close, IndicatorPeriods.Rsi, _rsi);
        TechnicalIndicators.Stochastic(bars, IndicatorPeriods.StochasticK, IndicatorPeriods.StochasticSlowing, IndicatorPeriods.StochasticD, _stochasticK, _stochasticD);
        TechnicalIndicators.WilliamsR(bars, IndicatorPeriods.WilliamsR, _williamsR);
        TechnicalIndicators.Roc(close, IndicatorPeriods.Roc, _roc);
        TechnicalIndicators.Mfi(bars, IndicatorPeriods.Mfi, _mfi);
        TechnicalIndicators.UltimateOscillator(bars, IndicatorPeriods.UltimateShort, IndicatorPeriods.UltimateMedium, IndicatorPeriods.UltimateLong, _ultimateOscillator);
        TechnicalIndicators.Macd(close, IndicatorPeriods.MacdFast, IndicatorPeriods.MacdSlow, IndicatorPeriods.MacdSignal, _macd, _macdSignal, _macdHistogram);
        TechnicalIndicators.Ema(close, IndicatorPeriods.EmaFastest, _ema9);
        TechnicalIndicators.Ema(close, IndicatorPeriods.EmaFast, _ema21);
        TechnicalIndicators.Ema(close, IndicatorPeriods.EmaSlow, _ema50);
        TechnicalIndicators.Ema(close, IndicatorPeriods.EmaSlowest, _ema200);
        TechnicalIndicators.Sma(close, IndicatorPeriods.SmaFast, _sma20);
        TechnicalIndicators.Sma(close, IndicatorPeriods.SmaSlow, _sma50);
        TechnicalIndicators.Dmi(bars, IndicatorPeriods.Dmi, _plusDi, _minusDi, _adx);
        TechnicalIndicators.ParabolicSar(bars, IndicatorPeriods.SarAcceleration, IndicatorPeriods.SarMaximum, _parabolicSar);
        TechnicalIndicators.Aroon(bars, IndicatorPeriods.Aroon, _aroonUp, _aroonDown);
        TechnicalIndicators.Bollinger(close, IndicatorPeriods.Bollinger, IndicatorPeriods.BollingerDeviations, _bollingerUpper, _bollingerMiddle, _bollingerLower);
        TechnicalIndicators.Atr(bars, IndicatorPeriods.Atr, _atr);
        TechnicalIndicators.Keltner(bars, close, IndicatorPeriods.KeltnerEma, IndicatorPeriods.KeltnerAtr, IndicatorPeriods.KeltnerMultiplier, _keltnerUpper, _keltnerMiddle, _keltnerLower);
        TechnicalIndicators.Obv(bars, _obv);
        TechnicalIndicators.Vwap(bars, _vwap);
        TechnicalIndicators.Cci(bars, IndicatorPeriods.Cci, _cci);
        TechnicalIndicators.Momentum(close, IndicatorPeriods.Momentum, _momentum);

        var scratch = ArrayPool<double>.Shared.Rent(bars.Length);
        try
        {
            TechnicalIndicators.Trix(close, IndicatorPeriods.Trix, _trix, scratch.AsSpan(0, bars.Length));
        }
        finally
        {
            ArrayPool<double>.Shared.Return(scratch);
        }
    }
}
