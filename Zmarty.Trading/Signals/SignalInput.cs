using Zmarty.Trading.Indicators;

namespace Zmarty.Trading.Signals;

/// <summary>Which side of price a liquidation cluster sits on: long liquidations below, short ones above (docs/domain.md §4).</summary>
public enum LiquidationSide
{
    Long,
    Short,
}

/// <summary>A King Fisher liquidation cluster as the product stores it: <c>{price, volume, side}</c>.</summary>
public readonly record struct LiquidationCluster(double Price, double Volume, LiquidationSide Side);

/// <summary>
/// Cryptometer readings for one symbol. Every value is optional: what is missing is left out of the score and
/// lowers its confidence.
/// </summary>
/// <param name="LongPercent">Long side of the long/short ratio, percent (<c>/ls-ratio/</c> buy).</param>
/// <param name="ShortPercent">Short side of the long/short ratio, percent (<c>/ls-ratio/</c> sell).</param>
/// <param name="TrendScore">The <c>/trend-indicator-v3/</c> trend score, 0..100 with 50 neutral.</param>
/// <param name="BuyPressure">The trend indicator's buy pressure.</param>
/// <param name="SellPressure">The trend indicator's sell pressure.</param>
/// <param name="LongLiquidations">Volume of long positions liquidated (<c>/liquidation-data-v2/</c>, summed over exchanges).</param>
/// <param name="ShortLiquidations">Volume of short positions liquidated.</param>
/// <param name="OpenInterestChangePercent">Change of open interest over the timeframe, percent.</param>
/// <param name="PriceChangePercent">Change of price over the same period (<c>/ticker/</c> change_24h), percent.</param>
public sealed record MarketReadings(
    double? LongPercent = null,
    double? ShortPercent = null,
    double? TrendScore = null,
    double? BuyPressure = null,
    double? SellPressure = null,
    double? LongLiquidations = null,
    double? ShortLiquidations = null,
    double? OpenInterestChangePercent = null,
    double? PriceChangePercent = null);

/// <summary>Everything a signal is scored from, for one symbol and timeframe at one time.</summary>
/// <param name="Symbol">For example <c>BTC/USDT</c>.</param>
/// <param name="Timeframe">For example <c>1h</c>.</param>
/// <param name="At">The time the signal is for (the caller's clock; scoring never reads one).</param>
/// <param name="Price">The current price: the entry of a directional signal.</param>
public sealed record SignalInput(string Symbol, string Timeframe, DateTimeOffset At, double Price)
{
    /// <summary>The indicators at the latest bar.</summary>
    public IndicatorSnapshot? Indicators { get; init; }

    /// <summary>The Cryptometer readings.</summary>
    public MarketReadings? Market { get; init; }

    /// <summary>The risk metric at <see cref="Price"/>, 0..1.</summary>
    public double? Risk { get; init; }

    /// <summary>Daily volatility (<see cref="Risk.RiskStatistics.Volatility"/>), which damps the score when high.</summary>
    public double? Volatility { get; init; }

    /// <summary>Liquidation clusters around the price.</summary>
    public IReadOnlyList<LiquidationCluster>? Clusters { get; init; }
}
