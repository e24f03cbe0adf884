namespace Zmarty.Trading.Indicators;

/// <summary>
/// The indicator values at one bar. A null value means the series is too short for that indicator yet (its
/// warm-up), never a failure.
/// </summary>
/// <param name="Time">The bar's time.</param>
/// <param name="Close">The bar's close.</param>
/// <param name="Rsi">RSI (14, Wilder).</param>
/// <param name="StochasticK">Slow Stochastic %K (14, 3).</param>
/// <param name="StochasticD">Slow Stochastic %D (3).</param>
/// <param name="WilliamsR">Williams %R (14), −100..0.</param>
/// <param name="Roc">Rate of change (10), percent.</param>
/// <param name="Mfi">Money Flow Index (14).</param>
/// <param name="UltimateOscillator">Ultimate Oscillator (7, 14, 28).</param>
/// <param name="Macd">MACD line (12, 26).</param>
/// <param name="MacdSignal">MACD signal line (9).</param>
/// <param name="MacdHistogram">MACD histogram: line − signal.</param>
/// <param name="Ema9">EMA 9 of the close.</param>
/// <param name="Ema21">EMA 21 of the close.</param>
/// <param name="Ema50">EMA 50 of the close.</param>
/// <param name="Ema200">EMA 200 of the close.</param>
/// <param name="Sma20">SMA 20 of the close.</param>
/// <param name="Sma50">SMA 50 of the close.</param>
/// <param name="Adx">ADX (14).</param>
/// <param name="PlusDi">+DI (14).</param>
/// <param name="MinusDi">−DI (14).</param>
/// <param name="ParabolicSar">Parabolic SAR (0.02, 0.2).</param>
/// <param name="AroonUp">Aroon up (25).</param>
/// <param name="AroonDown">Aroon down (25).</param>
/// <param name="Trix">TRIX (15), percent.</param>
/// <param name="BollingerUpper">Bollinger upper band (20, 2).</param>
/// <param name="BollingerMiddle">Bollinger middle band: SMA 20.</param>
/// <param name="BollingerLower">Bollinger lower band (20, 2).</param>
/// <param name="Atr">ATR (14, Wilder).</param>
/// <param name="KeltnerUpper">Keltner upper band: EMA 20 + 2 × ATR 10.</param>
/// <param name="KeltnerMiddle">Keltner middle line: EMA 20.</param>
/// <param name="KeltnerLower">Keltner lower band: EMA 20 − 2 × ATR 10.</param>
/// <param name="Obv">On-balance volume.</param>
/// <param name="Vwap">Session (UTC day) VWAP.</param>
/// <param name="Cci">CCI (20).</param>
/// <param name="Momentum">Momentum (10): close − close 10 bars ago.</param>
public sealed record IndicatorSnapshot(
    DateTimeOffset Time,
    double Close,
    double? Rsi,
    double? StochasticK,
    double? StochasticD,
    double? WilliamsR,
    double? Roc,
    double? Mfi,
    double? UltimateOscillator,
    double? Macd,
    double? MacdSignal,
    double? MacdHistogram,
    double? Ema9,
    double? Ema21,
    double? Ema50,
    double? Ema200,
    double? Sma20,
    double? Sma50,
    double? Adx,
    double? PlusDi,
    double? MinusDi,
    double? ParabolicSar,
    double? AroonUp,
    double? AroonDown,
    double? Trix,
    double? BollingerUpper,
    double? BollingerMiddle,
    double? BollingerLower,
    double? Atr,
    double? KeltnerUpper,
    double? KeltnerMiddle,
    double? KeltnerLower,
    double? Obv,
    double? Vwap,
    double? Cci,
    double? Momentum);
