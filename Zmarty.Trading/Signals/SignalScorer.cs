using System.Globalization;
using Microsoft.Extensions.Options;
using Zmarty.Trading.Indicators;
using Zmarty.Trading.Risk;
using Line = Zmarty.Trading.Indicators.IndicatorLine;

namespace Zmarty.Trading.Signals;

/// <summary>
/// Combines indicators, Cryptometer readings, the risk metric and liquidation data into a signal (docs/domain.md §5).
/// </summary>
/// <remarks>
/// Each input is read as a number from −1 (short) to +1 (long). Inside a group the readings present are averaged
/// by their weights; the groups present are averaged by theirs, giving the composite. Absent inputs are left out
/// of both averages, so they do not pull the composite toward 0; instead
/// confidence = coverage × (½ + ½ agreement), where coverage is the weighted share of inputs present and
/// agreement = |Σ contributions| / Σ |contributions| (1 when all point one way, 0 when they cancel).
/// The composite is then damped (high volatility, a cluster close to price) and compared with the thresholds.
/// </remarks>
public sealed class SignalScorer
{
    private const string Technical = "technical";
    private const string Market = "market";
    private const string Liquidation = "liquidation";
    private const string RiskGroup = "risk";

    private readonly SignalScoringOptions _options;

    /// <exception cref="OptionsValidationException">The options break a rule of <see cref="SignalScoringOptionsValidator"/>.</exception>
    public SignalScorer(SignalScoringOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        new SignalScoringOptionsValidator().ThrowIfInvalid(options);
        _options = options;
        StrategyVersion = Signals.StrategyVersion.Of(options);
    }

    /// <summary>The version stamped on every signal this scorer produces.</summary>
    public string StrategyVersion { get; }

    /// <summary>Scores <paramref name="input"/>. Never fails for missing inputs; it lowers the confidence.</summary>
    public TradingSignal Score(SignalInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var readings = new List<Reading>(20);
        var missing = new List<string>();
        ReadTechnical(input, readings, missing);
        ReadMarket(input.Market, readings, missing);
        ReadLiquidation(input, readings, missing);
        ReadRisk(input.Risk, readings, missing);

        var groups = new (string Name, double Weight)[]
        {
            (Technical, _options.TechnicalWeight),
            (Market, _options.MarketWeight),
            (Liquidation, _options.LiquidationWeight),
            (RiskGroup, _options.RiskWeight),
        };

        var presentWeights = new double[groups.Length];
        double presentGroupWeight = 0, coverage = 0, totalGroupWeight = 0;
        for (var g = 0; g < groups.Length; g++)
        {
            var (name, weight) = groups[g];
            totalGroupWeight += weight;
            presentWeights[g] = SumWeights(readings, name, onlyPresent: true);
            if (presentWeights[g] > 0)
            {
                presentGroupWeight += weight;
                coverage += weight * presentWeights[g] / SumWeights(readings, name, onlyPresent: false);
            }
        }

        coverage /= totalGroupWeight;
        var reasons = new List<SignalReason>(readings.Count);
        double composite = 0, absolute = 0;
        for (var g = 0; g < groups.Length; g++)
        {
            var (name, weight) = groups[g];
            var present = presentWeights[g];
            if (present <= 0 || presentGroupWeight <= 0)
            {
                continue;
            }

            foreach (var reading in readings)
            {
                if (reading.Group != name || reading.Value is not { } value || reading.Weight <= 0)
                {
                    continue;
                }

                var share = weight / presentGroupWeight * reading.Weight / present;
                var contribution = share * value;
                composite += contribution;
                absolute += Math.Abs(contribution);
                reasons.Add(new SignalReason(reading.Input, name, value, share, contribution, reading.Detail));
            }
        }

        var agreement = absolute == 0 ? 0 : Math.Abs(composite) / absolute;
        var confidence = Math.Clamp(coverage * (0.5 + (0.5 * agreement)), 0, 1);
        var adjustments = Damping(input);
        foreach (var adjustment in adjustments)
        {
            composite *= adjustment.Factor;
        }

        composite = Math.Clamp(composite, -1, 1);
        var direction = composite > _options.LongThreshold ? SignalDirection.Long
            : composite < _options.ShortThreshold ? SignalDirection.Short
            : SignalDirection.Flat;
        var (entry, stop, targets) = Levels(direction, input.Price);
        return new TradingSignal(
            input.Symbol,
            input.Timeframe,
            input.At,
            direction,
            composite,
            Math.Abs(composite),
            confidence,
            entry,
            stop,
            targets,
            reasons,
            adjustments,
            missing,
            StrategyVersion);
    }

    private static double SumWeights(List<Reading> readings, string group, bool onlyPresent)
    {
        double sum = 0;
        foreach (var reading in readings)
        {
            if (reading.Group == group && reading.Weight > 0 && (!onlyPresent || reading.Value is not null))
            {
                sum += reading.Weight;
            }
        }

        return sum;
    }

    private void ReadTechnical(SignalInput input, List<Reading> readings, List<string> missing)
    {
        var s = input.Indicators;
        double? At(Line line) => s?[line];
        var close = s?.Close ?? input.Price;
        var atr = At(Line.Atr) is > 0 ? At(Line.Atr) : null;
        var (plusDi, minusDi) = (At(Line.PlusDi), At(Line.MinusDi));
        var (upper, lower) = (At(Line.BollingerUpper), At(Line.BollingerLower));
        var (aroonUp, aroonDown) = (At(Line.AroonUp), At(Line.AroonDown));

        Add(readings, missing, Technical, "rsi", _options.RsiWeight, At(Line.Rsi), rsi => Oscillator(rsi, _options.RsiOversold), rsi => $"RSI {rsi:F1}");
        Add(readings, missing, Technical, "stochastic", _options.StochasticWeight, At(Line.StochasticK), k => Oscillator(k, _options.StochasticOversold), k => $"Stochastic %K {k:F1}");
        Add(readings, missing, Technical, "mfi", _options.MfiWeight, At(Line.Mfi), mfi => Oscillator(mfi, _options.MfiOversold), mfi => $"MFI {mfi:F1}");
        Add(readings, missing, Technical, "cci", _options.CciWeight, At(Line.Cci), cci => Clamp(-cci / _options.CciFullScale), cci => $"CCI {cci:F1}");
        Add(readings, missing, Technical, "macd", _options.MacdWeight, Both(At(Line.MacdHistogram), atr), hist => Clamp(hist / (_options.MacdFullScaleAtr * atr!.Value)), hist => $"MACD histogram {hist:G6}, ATR {atr:G6}");
        Add(readings, missing, Technical, "ema_trend", _options.EmaTrendWeight, Both(At(Line.Ema50), atr), ema => Clamp((close - ema) / (_options.EmaTrendFullScaleAtr * atr!.Value)), ema => $"close {close:G6} vs EMA50 {ema:G6}");
        Add(readings, missing, Technical, "vwap", _options.VwapWeight, Both(At(Line.Vwap), atr), vwap => Clamp((close - vwap) / (_options.VwapFullScaleAtr * atr!.Value)), vwap => $"close {close:G6} vs VWAP {vwap:G6}");
        Add(readings, missing, Technical, "dmi", _options.DmiWeight, Both(At(Line.Adx), Both(plusDi, minusDi)), adx => Dmi(plusDi!.Value, minusDi!.Value, adx), adx => $"+DI {plusDi:F1}, -DI {minusDi:F1}, ADX {adx:F1}");
        Add(readings, missing, Technical, "bollinger", _options.BollingerWeight, Both(upper, lower), up => Bollinger(close, up, lower!.Value), up => $"close {close:G6} in bands {lower:G6}..{up:G6}");
        Add(readings, missing, Technical, "aroon", _options.AroonWeight, Both(aroonUp, aroonDown), up => (up - aroonDown!.Value) / 100.0, up => $"Aroon up {up:F0}, down {aroonDown:F0}");
        Add(readings, missing, Technical, "parabolic_sar", _options.ParabolicSarWeight, At(Line.ParabolicSar), sar => close > sar ? 1 : close < sar ? -1 : 0, sar => $"close {close:G6} vs SAR {sar:G6}");
    }

    private void ReadMarket(MarketReadings? m, List<Reading> readings, List<string> missing)
    {
        Add(readings, missing, Market, "long_short_ratio", _options.LongShortRatioWeight, PositiveSum(m?.LongPercent, m?.ShortPercent), sum =>
        {
            var lean = Clamp((m!.LongPercent!.Value - m.ShortPercent!.Value) / sum / _options.LongShortFullScale);
            return _options.LongShortContrarian ? -lean : lean;
        }, _ => $"longs {m!.LongPercent:F1} % / shorts {m.ShortPercent:F1} %{(_options.LongShortContrarian ? ", read contrarian" : string.Empty)}");
        Add(readings, missing, Market, "trend_score", _options.TrendScoreWeight, m?.TrendScore, t => Clamp((t - _options.TrendScoreNeutral) / _options.TrendScoreFullScale), t => $"trend score {t:F1}");
        Add(readings, missing, Market, "buy_sell_pressure", _options.PressureWeight, PositiveSum(m?.BuyPressure, m?.SellPressure), sum => (m!.BuyPressure!.Value - m.SellPressure!.Value) / sum, _ => $"buy {m!.BuyPressure:G4} / sell {m.SellPressure:G4}");

        // Rising open interest confirms the price move it accompanies; falling open interest undercuts it.
        Add(readings, missing, Market, "open_interest", _options.OpenInterestWeight, Both(m?.OpenInterestChangePercent, m?.PriceChangePercent), oi => Math.Sign(m!.PriceChangePercent!.Value) * Clamp(oi / _options.OpenInterestFullScalePercent), oi => $"open interest {oi:+0.##;-0.##} % with price {m!.PriceChangePercent:+0.##;-0.##} %");
    }

    private void ReadLiquidation(SignalInput input, List<Reading> readings, List<string> missing)
    {
        var m = input.Market;

        // Shorts being liquidated buy back and push price up; longs being liquidated push it down.
        Add(readings, missing, Liquidation, "liquidation_volume", _options.LiquidationVolumeWeight, PositiveSum(m?.ShortLiquidations, m?.LongLiquidations), sum => (m!.ShortLiquidations!.Value - m.LongLiquidations!.Value) / sum, _ => $"shorts liquidated {m!.ShortLiquidations:G6}, longs {m.LongLiquidations:G6}");

        // Clusters draw price toward them: weight each by volume and nearness within ClusterRange.
        double pull = 0, mass = 0;
        var counted = 0;
        foreach (var cluster in input.Clusters ?? [])
        {
            var distance = Math.Abs(cluster.Price - input.Price) / input.Price;
            if (distance >= _options.ClusterRange || cluster.Volume <= 0)
            {
                continue;
            }

            var strength = cluster.Volume * (1 - (distance / _options.ClusterRange));
            pull += Math.Sign(cluster.Price - input.Price) * strength;
            mass += strength;
            counted++;
        }

        Add(readings, missing, Liquidation, "liquidation_clusters", _options.ClusterWeight, input.Clusters is null ? null : mass > 0 ? pull / mass : 0, p => p, p => $"{counted} clusters within {_options.ClusterRange:P0}, net pull {p:+0.00;-0.00}");
    }

    private void ReadRisk(double? risk, List<Reading> readings, List<string> missing) =>
        Add(readings, missing, RiskGroup, "risk_metric", _options.RiskWeight > 0 ? 1 : 0, risk, r => Clamp(1 - (2 * r)), r => $"risk {r:F3}, band {RiskBands.Classify(r)}, leans {RiskBands.Classify(r).Leaning()}");

    private List<SignalAdjustment> Damping(SignalInput input)
    {
        var adjustments = new List<SignalAdjustment>(2);
        if (input.Volatility is { } volatility && volatility > _options.VolatilityThreshold)
        {
            adjustments.Add(new SignalAdjustment("volatility_damping", _options.VolatilityDamping, string.Create(CultureInfo.InvariantCulture, $"daily volatility {volatility:F4} above {_options.VolatilityThreshold:F4}")));
        }

        if (input.Clusters is { } clusters && clusters.Any(c => Math.Abs(c.Price - input.Price) / input.Price <= _options.ClusterProximity))
        {
            adjustments.Add(new SignalAdjustment("cluster_damping", _options.ClusterDamping, string.Create(CultureInfo.InvariantCulture, $"a liquidation cluster within {_options.ClusterProximity:P1} of price")));
        }

        return adjustments;
    }

    private (double? Entry, double? Stop, IReadOnlyList<double> Targets) Levels(SignalDirection direction, double price)
    {
        if (direction == SignalDirection.Flat)
        {
            return (null, null, []);
        }

        var sign = direction == SignalDirection.Long ? 1.0 : -1.0;
        return (
            price,
            price * (1 - (sign * _options.StopLossPercent / 100)),
            [
                price * (1 + (sign * _options.TakeProfit1Percent / 100)),
                price * (1 + (sign * _options.TakeProfit2Percent / 100)),
                price * (1 + (sign * _options.TakeProfit3Percent / 100)),
            ]);
    }

    private static void Add(List<Reading> readings, List<string> missing, string group, string input, double weight, double? raw, Func<double, double> read, Func<double, FormattableString> describe)
    {
        if (weight <= 0)
        {
            return;
        }

        if (raw is not { } value || !double.IsFinite(value))
        {
            readings.Add(new Reading(group, input, weight, null, string.Empty));
            missing.Add(input);
            return;
        }

        readings.Add(new Reading(group, input, weight, Clamp(read(value)), describe(value).ToString(CultureInfo.InvariantCulture)));
    }

    private static double? Both(double? first, double? second) => second is null ? null : first;

    private static double? PositiveSum(double? a, double? b) => a is { } x && b is { } y && x + y > 0 ? x + y : null;

    private static double Clamp(double value) => double.IsNaN(value) ? 0 : Math.Clamp(value, -1, 1);

    // Contrarian: oversold reads +1, overbought −1, linear through the midpoint 50.
    private static double Oscillator(double value, double oversold) => Clamp((50 - value) / (50 - oversold));

    private double Dmi(double plusDi, double minusDi, double adx) =>
        plusDi + minusDi == 0 ? 0 : (plusDi - minusDi) / (plusDi + minusDi) * Math.Min(1, adx / _options.AdxTrendLevel);

    // Contrarian %B: at the lower band +1, at the upper −1.
    private static double Bollinger(double close, double upper, double lower) =>
        upper == lower ? 0 : Clamp(1 - (2 * (close - lower) / (upper - lower)));

    private sealed record Reading(string Group, string Input, double Weight, double? Value, string Detail);
}
