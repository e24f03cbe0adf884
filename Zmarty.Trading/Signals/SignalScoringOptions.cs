namespace Zmarty.Trading.Signals;

/// <summary>
/// Every weight and threshold of signal scoring, bound from configuration section <see cref="SectionName"/> and
/// checked at start by <see cref="SignalScoringOptionsValidator"/>.
/// Defaults are the blueprint's (docs/domain.md §5). Changing any value changes <see cref="StrategyVersion"/>.
/// </summary>
/// <remarks>
/// Groups: the blueprint's bot weighted Cryptometer 50 %, liquidation data 30 %, risk metric 20 %. Cryptometer's
/// half is split evenly between its market readings and the indicators Zmarty computes from its OHLCV. Inside a
/// group each input has a relative weight. Lists are avoided on purpose: the configuration binder appends to a
/// default list instead of replacing it.
/// </remarks>
public sealed class SignalScoringOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Trading:Signals";

    /// <summary>Group weight of the Cryptometer market readings.</summary>
    public double MarketWeight { get; set; } = 0.25;

    /// <summary>Group weight of the indicators computed from Cryptometer OHLCV.</summary>
    public double TechnicalWeight { get; set; } = 0.25;

    /// <summary>Group weight of liquidation data (clusters and liquidated volumes).</summary>
    public double LiquidationWeight { get; set; } = 0.30;

    /// <summary>Group weight of the risk metric.</summary>
    public double RiskWeight { get; set; } = 0.20;

    /// <summary>Composite above which a signal is long (blueprint: 0.6).</summary>
    public double LongThreshold { get; set; } = 0.6;

    /// <summary>Composite below which a signal is short (blueprint: −0.6).</summary>
    public double ShortThreshold { get; set; } = -0.6;

    /// <summary>
    /// Daily volatility (the standard deviation of log returns scaled to one day, whatever the timeframe) above which
    /// the composite is damped (blueprint: 0.05, read as 5 % a day).
    /// </summary>
    public double VolatilityThreshold { get; set; } = 0.05;

    /// <summary>Damping factor for high volatility (blueprint: 0.8).</summary>
    public double VolatilityDamping { get; set; } = 0.8;

    /// <summary>Distance from price, as a fraction, within which a cluster damps the composite (blueprint: 0.02).</summary>
    public double ClusterProximity { get; set; } = 0.02;

    /// <summary>Damping factor when a cluster lies that close (blueprint: 0.9).</summary>
    public double ClusterDamping { get; set; } = 0.9;

    /// <summary>Clusters farther than this fraction of price are ignored; nearer ones count more, linearly.</summary>
    public double ClusterRange { get; set; } = 0.10;

    /// <summary>Stop distance from entry, percent (blueprint: 2).</summary>
    public double StopLossPercent { get; set; } = 2;

    /// <summary>First target distance, percent (blueprint: 2); win rate resolves against it.</summary>
    public double TakeProfit1Percent { get; set; } = 2;

    /// <summary>Second target distance, percent (blueprint: 5).</summary>
    public double TakeProfit2Percent { get; set; } = 5;

    /// <summary>Third target distance, percent (blueprint: 10).</summary>
    public double TakeProfit3Percent { get; set; } = 10;

    /// <summary>Read crowd positioning contrarian: a crowded long side leans short.</summary>
    public bool LongShortContrarian { get; set; } = true;

    /// <summary>Long share minus short share (as a fraction of both) that reads as a full ±1.</summary>
    public double LongShortFullScale { get; set; } = 0.5;

    /// <summary>Trend score that reads neutral.</summary>
    public double TrendScoreNeutral { get; set; } = 50;

    /// <summary>Distance of the trend score from neutral that reads as a full ±1.</summary>
    public double TrendScoreFullScale { get; set; } = 50;

    /// <summary>Open-interest change, percent, that reads as full confirmation of the price move.</summary>
    public double OpenInterestFullScalePercent { get; set; } = 10;

    /// <summary>RSI level that reads as fully oversold (+1); overbought mirrors it around 50.</summary>
    public double RsiOversold { get; set; } = 30;

    /// <summary>Stochastic %K level that reads as fully oversold; overbought mirrors it around 50.</summary>
    public double StochasticOversold { get; set; } = 20;

    /// <summary>MFI level that reads as fully oversold; overbought mirrors it around 50.</summary>
    public double MfiOversold { get; set; } = 20;

    /// <summary>|CCI| that reads as a full ±1 (contrarian).</summary>
    public double CciFullScale { get; set; } = 200;

    /// <summary>ADX from which a DMI direction counts fully; below it, proportionally less.</summary>
    public double AdxTrendLevel { get; set; } = 25;

    /// <summary>MACD histogram, in ATRs, that reads as a full ±1.</summary>
    public double MacdFullScaleAtr { get; set; } = 0.5;

    /// <summary>Distance of the close from EMA 50, in ATRs, that reads as a full ±1.</summary>
    public double EmaTrendFullScaleAtr { get; set; } = 2;

    /// <summary>Distance of the close from VWAP, in ATRs, that reads as a full ±1.</summary>
    public double VwapFullScaleAtr { get; set; } = 1;

    public double RsiWeight { get; set; } = 1;

    public double StochasticWeight { get; set; } = 1;

    public double MacdWeight { get; set; } = 1;

    public double EmaTrendWeight { get; set; } = 1;

    public double DmiWeight { get; set; } = 1;

    public double BollingerWeight { get; set; } = 1;

    public double AroonWeight { get; set; } = 1;

    public double ParabolicSarWeight { get; set; } = 1;

    public double MfiWeight { get; set; } = 1;

    public double CciWeight { get; set; } = 1;

    public double VwapWeight { get; set; } = 1;

    public double LongShortRatioWeight { get; set; } = 1;

    public double TrendScoreWeight { get; set; } = 1;

    public double PressureWeight { get; set; } = 1;

    public double OpenInterestWeight { get; set; } = 0.5;

    public double ClusterWeight { get; set; } = 2;

    public double LiquidationVolumeWeight { get; set; } = 1;

    /// <summary>"v1-" and a short stable hash of every value above: it changes when any of them does.</summary>
    public string StrategyVersion => Signals.StrategyVersion.Of(this);
}
