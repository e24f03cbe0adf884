namespace Zmarty.Trading.Indicators;

/// <summary>One OHLCV bar. Series are ordered by <see cref="Time"/>, oldest first.</summary>
public readonly record struct Bar(DateTimeOffset Time, double Open, double High, double Low, double Close, double Volume)
{
    /// <summary>(high + low + close) / 3, the price MFI, CCI and VWAP work on.</summary>
    public double TypicalPrice => (High + Low + Close) / 3.0;
}
