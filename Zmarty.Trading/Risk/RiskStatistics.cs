namespace Zmarty.Trading.Risk;

/// <summary>What <c>risk_metric.metrics</c> holds beside the owner's risk: how the price has moved over a window.</summary>
/// <param name="Volatility">Daily volatility (<see cref="RiskStatistics.Volatility"/>); null with too few bars.</param>
/// <param name="MaxDrawdown">Largest peak-to-trough fall of the close over the window, as a fraction 0..1.</param>
/// <param name="Sharpe">Annualised Sharpe ratio of the window (<see cref="RiskStatistics.Sharpe"/>); null when undefined.</param>
public sealed record ReturnStatistics(double? Volatility, double MaxDrawdown, double? Sharpe);

/// <summary>
/// Volatility, drawdown and Sharpe over a price series. Volatility and Sharpe are scaled from the bar to a stated
/// horizon, so they mean the same on every timeframe: volatility per day, Sharpe per year of 365 days (crypto
/// trades every day), as Freqtrade and Jesse annualise. docs/trading-statistics.md states the conventions.
/// </summary>
public static class RiskStatistics
{
    /// <summary>Returns used for volatility unless stated: 30 bars.</summary>
    public const int DefaultVolatilityPeriod = 30;

    /// <summary>Days in the year Sharpe is annualised to.</summary>
    public const double DaysPerYear = 365;

    /// <summary>
    /// A deviation of the returns at or below this fraction of their mean absolute size is rounding noise, not
    /// variation: a series growing exactly 1 % a bar has σ ≈ 1e-16, and dividing by it gives a Sharpe of 1e13.
    /// </summary>
    public const double RelativeTolerance = 1e-9;

    private static readonly TimeSpan _day = TimeSpan.FromDays(1);

    /// <summary>
    /// Daily volatility: σ × √(1 day / <paramref name="barInterval"/>), where
    /// σ = sqrt(Σ (rᵢ − r̄)² / (period − 1)) over the last <paramref name="period"/> log returns rᵢ = ln(cᵢ / cᵢ₋₁).
    /// The square-root scaling assumes independent returns, the usual reading. Null when there are fewer than
    /// period + 1 closes.
    /// </summary>
    /// <param name="barInterval">The bars' timeframe, e.g. one hour for <c>1h</c>.</param>
    public static double? Volatility(ReadOnlySpan<double> closes, TimeSpan barInterval, int period = DefaultVolatilityPeriod)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(period, 2);
        var barsPerDay = BarsPer(_day, barInterval);
        if (closes.Length < period + 1)
        {
            return null;
        }

        var window = closes[^(period + 1)..];
        double mean = 0;
        for (var i = 1; i < window.Length; i++)
        {
            mean += Math.Log(window[i] / window[i - 1]);
        }

        mean /= period;
        double squares = 0;
        for (var i = 1; i < window.Length; i++)
        {
            var deviation = Math.Log(window[i] / window[i - 1]) - mean;
            squares += deviation * deviation;
        }

        return Math.Sqrt(squares / (period - 1)) * Math.Sqrt(barsPerDay);
    }

    /// <summary>max over t of (max₍ₛ≤ₜ₎ cₛ − cₜ) / max₍ₛ≤ₜ₎ cₛ: the worst fall from a running peak, 0 for a series that never falls.</summary>
    public static double MaxDrawdown(ReadOnlySpan<double> closes)
    {
        double peak = double.MinValue, worst = 0;
        foreach (var close in closes)
        {
            peak = Math.Max(peak, close);
            if (peak > 0)
            {
                worst = Math.Max(worst, (peak - close) / peak);
            }
        }

        return worst;
    }

    /// <summary>
    /// Annualised Sharpe ratio with a risk-free rate of 0: mean(rᵢ) / σ(rᵢ) × √(365 days / <paramref name="barInterval"/>)
    /// over the simple returns rᵢ = cᵢ / cᵢ₋₁ − 1 of the last <paramref name="window"/> returns, σ the sample
    /// deviation. That is the per-bar ratio made daily (× √bars per day) and then yearly (× √365). Null with too
    /// few closes, or when σ is at most <see cref="RelativeTolerance"/> × mean |rᵢ| (no variation to measure).
    /// </summary>
    /// <param name="barInterval">The bars' timeframe, e.g. one hour for <c>1h</c>.</param>
    public static double? Sharpe(ReadOnlySpan<double> closes, TimeSpan barInterval, int window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 2);
        var barsPerYear = BarsPer(_day * DaysPerYear, barInterval);
        if (closes.Length < window + 1)
        {
            return null;
        }

        var span = closes[^(window + 1)..];
        double mean = 0, size = 0;
        for (var i = 1; i < span.Length; i++)
        {
            var change = (span[i] / span[i - 1]) - 1;
            mean += change;
            size += Math.Abs(change);
        }

        mean /= window;
        size /= window;
        double squares = 0;
        for (var i = 1; i < span.Length; i++)
        {
            var deviation = (span[i] / span[i - 1]) - 1 - mean;
            squares += deviation * deviation;
        }

        var sigma = Math.Sqrt(squares / (window - 1));
        return sigma <= RelativeTolerance * size ? null : mean / sigma * Math.Sqrt(barsPerYear);
    }

    /// <summary>
    /// Daily volatility (stated period), max drawdown and annualised Sharpe over the last <paramref name="window"/>
    /// returns.
    /// </summary>
    public static ReturnStatistics Measure(
        ReadOnlySpan<double> closes, TimeSpan barInterval, int window, int volatilityPeriod = DefaultVolatilityPeriod)
    {
        if (closes.IsEmpty)
        {
            throw new ArgumentException("At least one close is needed.", nameof(closes));
        }

        var recent = closes[^Math.Min(closes.Length, window + 1)..];
        return new ReturnStatistics(
            Volatility(closes, barInterval, volatilityPeriod), MaxDrawdown(recent), Sharpe(closes, barInterval, window));
    }

    private static double BarsPer(TimeSpan horizon, TimeSpan barInterval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(barInterval, TimeSpan.Zero);
        return horizon / barInterval;
    }
}
