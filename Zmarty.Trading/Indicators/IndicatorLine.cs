using System.Reflection;

namespace Zmarty.Trading.Indicators;

/// <summary>
/// The table of indicator lines: every value <see cref="IndicatorSeries"/> computes per bar, with the key it has in
/// stored data (<c>indicators.data</c>) and in JSON, and what it is. Snapshots, series, their dictionary and JSON
/// output and docs/indicators.md all derive from this table; adding a line is one member here and the call that
/// fills it in <see cref="IndicatorSeries"/>.
/// </summary>
/// <remarks>A member's value is the line's index in a series and a snapshot, so members are not given values.</remarks>
public enum IndicatorLine
{
    [Line("rsi", "RSI (14, Wilder)")]
    Rsi,

    [Line("stochastic_k", "Slow Stochastic %K (14, 3)")]
    StochasticK,

    [Line("stochastic_d", "Slow Stochastic %D (3)")]
    StochasticD,

    [Line("williams_r", "Williams %R (14), −100..0")]
    WilliamsR,

    [Line("roc", "Rate of change (10), percent")]
    Roc,

    [Line("mfi", "Money Flow Index (14)")]
    Mfi,

    [Line("ultimate_oscillator", "Ultimate Oscillator (7, 14, 28)")]
    UltimateOscillator,

    [Line("macd", "MACD line (12, 26)")]
    Macd,

    [Line("macd_signal", "MACD signal line (9)")]
    MacdSignal,

    [Line("macd_histogram", "MACD histogram: line − signal")]
    MacdHistogram,

    [Line("ema_9", "EMA 9 of the close")]
    Ema9,

    [Line("ema_21", "EMA 21 of the close")]
    Ema21,

    [Line("ema_50", "EMA 50 of the close")]
    Ema50,

    [Line("ema_200", "EMA 200 of the close")]
    Ema200,

    [Line("sma_20", "SMA 20 of the close")]
    Sma20,

    [Line("sma_50", "SMA 50 of the close")]
    Sma50,

    [Line("adx", "ADX (14)")]
    Adx,

    [Line("plus_di", "+DI (14)")]
    PlusDi,

    [Line("minus_di", "−DI (14)")]
    MinusDi,

    [Line("parabolic_sar", "Parabolic SAR (0.02, 0.2)")]
    ParabolicSar,

    [Line("aroon_up", "Aroon up (25)")]
    AroonUp,

    [Line("aroon_down", "Aroon down (25)")]
    AroonDown,

    [Line("trix", "TRIX (15), percent")]
    Trix,

    [Line("bollinger_upper", "Bollinger upper band (20, 2)")]
    BollingerUpper,

    [Line("bollinger_middle", "Bollinger middle band: SMA 20")]
    BollingerMiddle,

    [Line("bollinger_lower", "Bollinger lower band (20, 2)")]
    BollingerLower,

    [Line("atr", "ATR (14, Wilder)")]
    Atr,

    [Line("keltner_upper", "Keltner upper band: EMA 20 + 2 × ATR 10")]
    KeltnerUpper,

    [Line("keltner_middle", "Keltner middle line: EMA 20")]
    KeltnerMiddle,

    [Line("keltner_lower", "Keltner lower band: EMA 20 − 2 × ATR 10")]
    KeltnerLower,

    [Line("obv", "On-balance volume")]
    Obv,

    [Line("vwap", "Session (UTC day) VWAP")]
    Vwap,

    [Line("cci", "CCI (20)")]
    Cci,

    [Line("momentum", "Momentum (10): close − close 10 bars ago")]
    Momentum,
}

/// <summary>Names an <see cref="IndicatorLine"/>: its key in stored data and JSON, and what it is.</summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class LineAttribute(string key, string description) : Attribute
{
    public string Key { get; } = key;

    public string Description { get; } = description;
}

/// <summary>The table of <see cref="IndicatorLine"/>, read once.</summary>
public static class IndicatorLines
{
    private static readonly LineAttribute[] _names = ReadTable();

    /// <summary>Every line, in index order.</summary>
    public static IReadOnlyList<IndicatorLine> All { get; } = Enum.GetValues<IndicatorLine>();

    /// <summary>Number of lines.</summary>
    public static int Count => _names.Length;

    /// <summary>The line's key in stored data and JSON, e.g. <c>macd_histogram</c>.</summary>
    public static string Key(this IndicatorLine line) => _names[(int)line].Key;

    /// <summary>What the line is, with its periods, e.g. <c>RSI (14, Wilder)</c>.</summary>
    public static string Description(this IndicatorLine line) => _names[(int)line].Description;

    private static LineAttribute[] ReadTable()
    {
        var lines = Enum.GetValues<IndicatorLine>();
        var names = new LineAttribute[lines.Length];
        for (var i = 0; i < lines.Length; i++)
        {
            if ((int)lines[i] != i)
            {
                throw new InvalidOperationException($"IndicatorLine.{lines[i]} has the value {(int)lines[i]}; lines are indexed 0, 1, 2, ... in order.");
            }

            names[i] = typeof(IndicatorLine).GetField(lines[i].ToString())!.GetCustomAttribute<LineAttribute>()
                ?? throw new InvalidOperationException($"IndicatorLine.{lines[i]} has no [Line] naming its key.");
        }

        var repeated = names.Select(n => n.Key).Append(IndicatorSnapshot.CloseKey)
            .GroupBy(key => key, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        return repeated is null ? names : throw new InvalidOperationException($"The key '{repeated.Key}' is used twice in an indicator snapshot.");
    }
}
