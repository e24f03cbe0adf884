namespace Zmarty.Trading.Signals;

/// <summary>
/// The rules <see cref="SignalScoringOptions"/> must follow. The host runs them at start (<c>ValidateOnStart</c>),
/// and <see cref="SignalScorer"/> runs the same rules when constructed directly.
/// </summary>
public sealed class SignalScoringOptionsValidator() : SectionValidator<SignalScoringOptions>(SignalScoringOptions.SectionName)
{
    private protected override void Check(SignalScoringOptions options, OptionsCheck check)
    {
        check.That(
            options.MarketWeight + options.TechnicalWeight + options.LiquidationWeight + options.RiskWeight > 0,
            nameof(options.MarketWeight),
            $"and {check.Key(nameof(options.TechnicalWeight))}, {check.Key(nameof(options.LiquidationWeight))} and {check.Key(nameof(options.RiskWeight))} are all 0; at least one group must count.");

        // The composite lies in −1..1; a threshold at ±1 switches that direction off.
        check.Within(options.LongThreshold, -1, 1);
        check.Within(options.ShortThreshold, -1, 1);
        check.That(
            options.ShortThreshold <= options.LongThreshold,
            nameof(options.ShortThreshold),
            $"is {options.ShortThreshold}; it must not be above {check.Key(nameof(options.LongThreshold))} ({options.LongThreshold}).");

        check.Above(options.VolatilityThreshold, 0);
        check.Within(options.VolatilityDamping, 0, 1);
        check.Within(options.ClusterDamping, 0, 1);
        check.AtLeast(options.ClusterProximity, 0);
        check.Above(options.ClusterRange, 0);

        // A stop or a short's target 100 % away would be a price of 0.
        check.Above(options.StopLossPercent, 0);
        check.Below(options.StopLossPercent, 100);
        check.Above(options.TakeProfit1Percent, 0);
        check.That(
            options.TakeProfit1Percent <= options.TakeProfit2Percent && options.TakeProfit2Percent <= options.TakeProfit3Percent,
            nameof(options.TakeProfit2Percent),
            $"is {options.TakeProfit2Percent}; targets are nearest first, so it must lie from {check.Key(nameof(options.TakeProfit1Percent))} ({options.TakeProfit1Percent}) to {check.Key(nameof(options.TakeProfit3Percent))} ({options.TakeProfit3Percent}).");
        check.Below(options.TakeProfit3Percent, 100);

        // Each of these divides a reading; 0 would turn it into ±infinity.
        check.Above(options.LongShortFullScale, 0);
        check.Above(options.TrendScoreFullScale, 0);
        check.Above(options.OpenInterestFullScalePercent, 0);
        check.Above(options.CciFullScale, 0);
        check.Above(options.AdxTrendLevel, 0);
        check.Above(options.MacdFullScaleAtr, 0);
        check.Above(options.EmaTrendFullScaleAtr, 0);
        check.Above(options.VwapFullScaleAtr, 0);

        // An oscillator reads (50 − value) / (50 − oversold): oversold must stay below the midpoint.
        foreach (var (oversold, property) in new[]
                 {
                     (options.RsiOversold, nameof(options.RsiOversold)),
                     (options.StochasticOversold, nameof(options.StochasticOversold)),
                     (options.MfiOversold, nameof(options.MfiOversold)),
                 })
        {
            check.That(oversold is >= 0 and < 50, property, $"is {oversold}; it must be from 0 to below 50.");
        }
    }
}
